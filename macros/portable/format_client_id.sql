{#- 'C' and eight digits from a sequence number. -#}
{% macro format_client_id(seq) -%}
    {{ dbt.concat(["'C'", zero_pad("cast(" ~ seq ~ " as " ~ dbt.type_string() ~ ")", 8)]) }}
{%- endmacro %}
