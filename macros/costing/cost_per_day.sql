{#- Cost per day of a periodic record (NULL for a one-off). -#}
{% macro cost_per_day(unit_cost, frequency) -%}
    cast({{ unit_cost }} as {{ type_double() }}) * {{ frequency_factor(frequency, 'multiply') }} / {{ frequency_factor(frequency, 'divide') }}
{%- endmacro %}
