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
