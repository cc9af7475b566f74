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
    {{ return(run_raw_layer_statements(statements)) }}
{% endmacro %}
