{#- 'H' and eight digits from a sequence number (like format_client_id). -#}
{% macro format_household_id(seq) -%}
    {{ dbt.concat(["'H'", zero_pad("cast(" ~ seq ~ " as " ~ dbt.type_string() ~ ")", 8)]) }}
{%- endmacro %}
