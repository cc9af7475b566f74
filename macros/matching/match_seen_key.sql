{#- A text that sorts source rows in the order they arrived (load, then row). -#}
{% macro match_seen_key(load_order, source_row) -%}
    {{ dbt.concat([
        zero_pad("cast(" ~ load_order ~ " as " ~ dbt.type_string() ~ ")", 10), "':'",
        zero_pad("cast(" ~ source_row ~ " as " ~ dbt.type_string() ~ ")", 10)]) }}
{%- endmacro %}
