{#- Run at the start of every dbt run (dbt_project.yml on-run-start): make sure
    the raw layer exists, creating any missing raw table empty, exactly as
    docs/architecture.md describes it. The loader owns these tables; this only
    lets a warehouse build before every schema has had a file. -#}
{% macro ensure_raw_layer() %}
    {%- set layer = costcalc_registry()['raw_layer'] -%}
    {%- set statements = ["create schema if not exists raw"] -%}
    {%- for table in ['load_log', 'rejected_rows'] -%}
        {%- do statements.append(costcalc_create_raw_table(table, layer[table])) -%}
    {%- endfor -%}
    {%- for code, s in costcalc_schemas().items() -%}
        {%- do statements.append(costcalc_create_raw_table(s['table'], layer['lineage_columns'] + s['columns'])) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('run_raw_layer_statements', 'costcalc')(statements)) }}
{% endmacro %}

{#- The hook's SQL: one script on engines that run several statements at once;
    Spark runs one statement per call, so it runs them here and the hook is empty. -#}
{% macro default__run_raw_layer_statements(statements) %}{{ return(statements | join(";\n")) }}{% endmacro %}
{% macro spark__run_raw_layer_statements(statements) %}
    {%- if execute -%}{%- for s in statements -%}{%- do run_query(s) -%}{%- endfor -%}{%- endif -%}
    {{ return("select 1 as raw_layer_ready") }}
{% endmacro %}
{% macro sqlserver__run_raw_layer_statements(statements) %}
    {%- set out = [] -%}
    {%- for s in statements -%}
        {%- if s.startswith('create schema') -%}
            {%- do out.append("if schema_id('raw') is null exec('create schema raw')") -%}
        {%- else -%}
            {%- set table = s.split('(')[0].replace('create table if not exists', '').strip() -%}
            {%- do out.append("if object_id('" ~ table ~ "') is null exec('" ~ s.replace('create table if not exists', 'create table').replace("'", "''") ~ "')") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out | join(";\n")) }}
{% endmacro %}

{% macro costcalc_create_raw_table(table, columns) -%}
    create table if not exists raw.{{ table }} (
    {%- for c in columns %}
        {{ adapter.quote(c['name']) }} {{ raw_type(c['sql_type']) }}{{ "," if not loop.last }}
    {%- endfor %}
    ){{ raw_table_options() }}
{%- endmacro %}

{#- Storage options of a raw table (Spark: parquet, not a Hive text table). -#}
{% macro raw_table_options() %}{{ return(adapter.dispatch('raw_table_options', 'costcalc')()) }}{% endmacro %}
{% macro default__raw_table_options() %}{% endmacro %}
{% macro spark__raw_table_options() %} using parquet{% endmacro %}
