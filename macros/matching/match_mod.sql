{#- mod(a, b), which T-SQL writes a % b. -#}
{% macro match_mod(a, b) -%}
  {{ return(adapter.dispatch('match_mod', 'costcalc')(a, b)) }}
{%- endmacro %}

{% macro default__match_mod(a, b) %}mod({{ a }}, {{ b }}){% endmacro %}

{% macro sqlserver__match_mod(a, b) %}(({{ a }}) % ({{ b }})){% endmacro %}
