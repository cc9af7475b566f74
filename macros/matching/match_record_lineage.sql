{#- Which source rows (schema, file as dropped, Excel row, load order) each
    identity record came from: a manual decision may name a record by any of
    its rows, and clusters are keyed by the row seen first. -#}
{% macro match_record_lineage() -%}
    select distinct record_key, schema_code, source_file, source_row, load_order
    from {{ ref('int_source_rows') }}
{%- endmacro %}
