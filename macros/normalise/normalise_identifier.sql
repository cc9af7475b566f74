{#- NHS / NI numbers and references: upper case, no spaces. -#}
{% macro normalise_identifier(expr) -%}
    nullif(upper({{ regexp_remove(expr, '[[:space:]]') }}), '')
{%- endmacro %}
