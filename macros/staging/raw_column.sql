{#- A raw column, optionally qualified. -#}
{% macro raw_column(name, qualifier) -%}
    {{ qualifier ~ '.' if qualifier }}{{ adapter.quote(name) }}
{%- endmacro %}
