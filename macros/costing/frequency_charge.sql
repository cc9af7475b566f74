{#- How a frequency charges: 'once', 'financial_year' or 'day'. -#}
{% macro frequency_charge(f) -%}
    {{ return('once' if f['one_off'] else ('financial_year' if f['per_financial_year'] else 'day')) }}
{%- endmacro %}
