{#- Models land in exactly the schema they are configured with (staging,
    intermediate, marts, restricted), not "<target schema>_<schema>".
    On PostgreSQL, SQL Server and Spark the marts are built in marts_build and
    published as marts once the build and its tests succeed
    (costcalc.transform.publish, docs/engines.md): by a schema swap in one
    transaction on PostgreSQL and SQL Server, by per-table view swaps on Spark.
    Readers of marts never see a table half built. DuckDB publishes a copy
    into a separate file instead. On DuckDB the restricted models go to the
    restricted file's main schema (macros/generate_database_name.sql), so that
    restricted.<model> names them on every engine. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == 'restricted' and node.database == 'restricted' -%}
        main
    {%- elif custom_schema_name | trim == 'marts' and target.type in ('postgres', 'sqlserver', 'spark') -%}
        marts_build
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
