{#- Which source rows (schema, file as dropped, Excel row) each identity record came from:
    a manual decision may name a record by any of its rows. -#}
{% macro match_record_lineage() -%}
    select distinct record_key, schema_code, source_file, source_row
    from {{ ref('int_source_rows') }}
{%- endmacro %}
