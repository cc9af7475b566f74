{% macro earlier_date(a, b) -%}
    case when {{ a }} is null then {{ b }} when {{ b }} is null or {{ a }} <= {{ b }} then {{ a }} else {{ b }} end
{%- endmacro %}
