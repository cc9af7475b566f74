{% macro raw_type(sql_type) %}
    {#- A registry column type as a warehouse type (docs/architecture.md, "The raw layer"). -#}
    {%- if sql_type == 'string' -%} {{ dbt.type_string() }}
    {%- elif sql_type == 'bigint' -%} {{ dbt.type_bigint() }}
    {%- elif sql_type == 'integer' -%} {{ dbt.type_int() }}
    {%- elif sql_type == 'money' -%} decimal(18, 4)
    {%- elif sql_type == 'date' -%} date
    {%- elif sql_type == 'timestamp' -%} {{ dbt.type_timestamp() }}
    {%- else -%} {{ exceptions.raise_compiler_error("unknown registry type " ~ sql_type) }}
    {%- endif -%}
{% endmacro %}
