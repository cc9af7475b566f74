{#- The natural logarithm, which T-SQL calls log(). -#}
{% macro match_ln(expr) -%}
  {{ return(adapter.dispatch('match_ln', 'costcalc')(expr)) }}
{%- endmacro %}

{% macro default__match_ln(expr) %}ln({{ expr }}){% endmacro %}

{% macro sqlserver__match_ln(expr) %}log({{ expr }}){% endmacro %}
