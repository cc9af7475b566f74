{#- A seed's rows as one text (the given columns, rows in order), for a
    fingerprint of what the seed holds (match_record_details_logic). Read
    when the model runs, after dbt loaded the seed; '-' when the seed is not
    loaded in this warehouse (match_seed_or_empty then reads no rows), and
    '' while dbt only parses. -#}
{% macro match_seed_rows_text(seed_name, columns) -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set seed = ref(seed_name) -%}
  {%- if adapter.get_relation(database=seed.database, schema=seed.schema, identifier=seed.identifier) is none -%}
    {{- return('-') -}}
  {%- endif -%}
  {%- set cols = columns | join(', ') -%}
  {%- set lines = [] -%}
  {%- for row in run_query('select ' ~ cols ~ ' from ' ~ seed ~ ' order by ' ~ cols).rows -%}
    {%- do lines.append(row.values() | map('string') | list) -%}
  {%- endfor -%}
  {{- return(tojson(lines)) -}}
{%- endmacro %}
