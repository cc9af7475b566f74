{#- An order-independent fingerprint of a group of service-use rows: what
    int_cost_monthly costs one client from (int_cost_inputs). Two groups
    with the same fingerprint hold the same rows. Default: md5 of the rows'
    md5s in sorted order. DuckDB: the sums of the two halves of each row's
    md5 (md5_number_upper/lower, 64 bits each) and the row count, which needs
    no sort. -#}
{% macro cost_inputs_fingerprint(columns) %}
    {{ return(adapter.dispatch('cost_inputs_fingerprint', 'costcalc')(columns)) }}
{% endmacro %}

{% macro cost_inputs_row_text(columns) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- do parts.append("coalesce(cast(" ~ c ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{% macro default__cost_inputs_fingerprint(columns) -%}
    {{ dbt.hash(dbt.listagg(dbt.hash(cost_inputs_row_text(columns)), "','",
                            "order by " ~ dbt.hash(cost_inputs_row_text(columns)))) }}
{%- endmacro %}

{% macro duckdb__cost_inputs_fingerprint(columns) -%}
    cast(sum(cast(md5_number_upper({{ cost_inputs_row_text(columns) }}) as hugeint)) as varchar)
    || '.' || cast(sum(cast(md5_number_lower({{ cost_inputs_row_text(columns) }}) as hugeint)) as varchar)
    || '.' || cast(count(*) as varchar)
{%- endmacro %}
