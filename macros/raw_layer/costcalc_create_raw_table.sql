{% macro costcalc_create_raw_table(table, columns) -%}
    create table if not exists raw.{{ table }} (
    {%- for c in columns %}
        {{ adapter.quote(c['name']) }} {{ raw_type(c['sql_type']) }}{{ "," if not loop.last }}
    {%- endfor %}
    ){{ raw_table_options() }}
{%- endmacro %}
