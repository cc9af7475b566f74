{#- A field (year, month, day) of a date. -#}
{% macro date_part_of(part, expr) %}{{ return(adapter.dispatch('date_part_of', 'costcalc')(part, expr)) }}{% endmacro %}

{% macro default__date_part_of(part, expr) %}extract({{ part }} from {{ expr }}){% endmacro %}

{% macro sqlserver__date_part_of(part, expr) %}datepart({{ part }}, {{ expr }}){% endmacro %}
