{#- The charge of a per-financial-year record for each financial year (NULL for the others). -#}
{% macro financial_year_cost(unit_cost, frequency) -%}
    case when {{ is_per_financial_year(frequency) }} then cast({{ unit_cost }} as {{ type_double() }}) end
{%- endmacro %}
