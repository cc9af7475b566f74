{#- The single charge of a one-off record (NULL for periodic ones). -#}
{% macro one_off_cost(unit_cost, frequency) -%}
    case when {{ is_one_off(frequency) }} then cast({{ unit_cost }} as {{ type_double() }}) end
{%- endmacro %}
