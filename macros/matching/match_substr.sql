{#- substr(), which T-SQL spells substring(). -#}
{% macro match_substr(expr, start, length) -%}
  {{ return(adapter.dispatch('match_substr', 'costcalc')(expr, start, length)) }}
{%- endmacro %}

{% macro default__match_substr(expr, start, length) %}substr({{ expr }}, {{ start }}, {{ length }}){% endmacro %}

{% macro sqlserver__match_substr(expr, start, length) %}substring({{ expr }}, {{ start }}, {{ length }}){% endmacro %}
