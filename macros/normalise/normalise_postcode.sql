{#- A postcode for matching: upper case, no spaces ("sw1a 1aa" -> SW1A1AA). -#}
{% macro normalise_postcode(expr) -%}
    nullif(upper({{ regexp_remove(expr, '[[:space:]]') }}), '')
{%- endmacro %}
