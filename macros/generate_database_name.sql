{#- On DuckDB the restricted models (schema restricted) are built in the
    restricted layer's own file, attached as "restricted" by the profile
    (costcalc.warehouse.restricted_store, docs/privacy.md); everything else,
    and every model on the other engines, in the target's database. -#}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {%- if target.type == 'duckdb' and node is not none
          and (node.config.get('schema') or '') | trim == 'restricted' -%}
        restricted
    {%- elif custom_database_name is none -%}
        {{ target.database }}
    {%- else -%}
        {{ custom_database_name | trim }}
    {%- endif -%}
{%- endmacro %}
