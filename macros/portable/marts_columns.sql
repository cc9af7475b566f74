{#- (table_name, column_name) of every table in the marts schema as dbt builds it
    (marts_build on PostgreSQL / SQL Server / Spark, see generate_schema_name). Spark has no
    information_schema: the columns are read from the catalog while compiling, leaving
    out the published versions of earlier builds (<table>__b<build id>, costcalc.transform.publish). -#}
{% macro marts_columns() %}{{ return(adapter.dispatch('marts_columns', 'costcalc')()) }}{% endmacro %}

{% macro default__marts_columns() -%}
    select table_name, column_name
    from information_schema.columns
    where lower(table_catalog) = lower('{{ target.database }}')
      and lower(table_schema) = '{{ generate_schema_name('marts', none) | trim }}'
{%- endmacro %}

{% macro spark__marts_columns() -%}
    {%- set rows = [] -%}
    {%- if execute -%}
        {%- set schema = generate_schema_name('marts', none) | trim -%}
        {%- for t in run_query('show tables in ' ~ schema)
              if not t['isTemporary'] and not modules.re.search('__b[0-9]+$', t['tableName']) -%}
            {%- set rel = api.Relation.create(schema=schema, identifier=t['tableName']) -%}
            {%- for c in adapter.get_columns_in_relation(rel) -%}
                {%- do rows.append("select '" ~ t['tableName'] ~ "' as table_name, '" ~ c.name ~ "' as column_name") -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ rows | join('\nunion all\n') if rows else "select 'none' as table_name, 'none' as column_name where 1 = 0" }}
{%- endmacro %}
