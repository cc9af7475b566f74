{#- Which source rows (schema, file as dropped, Excel row, load order) each
    identity record came from: a manual decision may name a record by any of
    its rows, and clusters are keyed by the row seen first. -#}
{% macro match_record_lineage() -%}
    select distinct record_key, schema_code, source_file, source_row, load_order
    from {{ ref('int_source_rows') }}
{%- endmacro %}

{#- A text that sorts source rows in the order they arrived (load, then row). -#}
{% macro match_seen_key(load_order, source_row) -%}
    {{ dbt.concat([
        match_lpad("cast(" ~ load_order ~ " as " ~ dbt.type_string() ~ ")", 10), "':'",
        match_lpad("cast(" ~ source_row ~ " as " ~ dbt.type_string() ~ ")", 10)]) }}
{%- endmacro %}

{#- A seed's rows, or no rows (with a warning in the log) when the seed has
    not been loaded into this warehouse yet: `dbt run` does not load seeds,
    `dbt build` and `costcalc build` do. ref() is still called, so dbt orders
    the seed before the model. -#}
{% macro match_seed_or_empty(seed_name, columns) -%}
  {%- set seed = ref(seed_name) -%}
  {%- set found = adapter.get_relation(database=seed.database, schema=seed.schema, identifier=seed.identifier) if execute else seed -%}
  {%- if found is none -%}
    {%- do log("costcalc matching: seed " ~ seed_name ~ " is not loaded in this warehouse; run `dbt seed` or `costcalc build` to apply it", info=True) -%}
    select
    {%- for name, type in columns %}
        cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
    where 1 = 0
  {%- else -%}
    select {% for name, type in columns %}{{ name }}{{ ", " if not loop.last }}{% endfor %} from {{ seed }}
  {%- endif -%}
{%- endmacro %}
