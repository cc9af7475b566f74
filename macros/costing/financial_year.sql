{#- The financial year (1 April to 31 March) holding a date, named by the
    calendar year it starts in: 2024-04-01 .. 2025-03-31 is 2024. -#}
{% macro financial_year(date_expr) -%}
    {{ date_part_of('year', dbt.dateadd('month', -3, date_expr)) }}
{%- endmacro %}
