{#- On DuckDB the restricted models (schema restricted) are built in the
    restricted layer's own file, attached as "restricted" by the profile
    (costcalc.warehouse.restricted_store, docs/privacy.md); everything else,
    and every model on the other engines, where dbt's own macro (which each
    adapter may override: Spark has no databases) puts it. -#}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {%- if target.type == 'duckdb' and node is not none
          and (node.config.get('schema') or '') | trim == 'restricted' -%}
        {{ return('restricted') }}
    {%- endif -%}
    {{ return(dbt.generate_database_name(custom_database_name, node)) }}
{%- endmacro %}
