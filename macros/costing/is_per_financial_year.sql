{#- True when the frequency is charged once per financial year (false when NULL or another). -#}
{% macro is_per_financial_year(frequency) -%}
    {{ return(adapter.dispatch('is_per_financial_year', 'costcalc')(frequency)) }}
{%- endmacro %}

{% macro default__is_per_financial_year(frequency) -%}
    coalesce(upper({{ frequency }}) in ({{ frequency_names('financial_year') | join(', ') }}), false)
{%- endmacro %}

{% macro sqlserver__is_per_financial_year(frequency) -%}
    ({{ frequency }} is not null and upper({{ frequency }}) in ({{ frequency_names('financial_year') | join(', ') }}))
{%- endmacro %}
