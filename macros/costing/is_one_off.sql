{#- True when the frequency is a one-off (false when NULL or periodic). -#}
{% macro is_one_off(frequency) -%}
    {{ return(adapter.dispatch('is_one_off', 'costcalc')(frequency)) }}
{%- endmacro %}

{% macro default__is_one_off(frequency) -%}
    coalesce(upper({{ frequency }}) in ({{ frequency_names('once') | join(', ') }}), false)
{%- endmacro %}

{#- T-SQL has no boolean values (no coalesce of a predicate): the same truth, NULL-free. -#}
{% macro sqlserver__is_one_off(frequency) -%}
    ({{ frequency }} is not null and upper({{ frequency }}) in ({{ frequency_names('once') | join(', ') }}))
{%- endmacro %}
