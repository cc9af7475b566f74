{#- An order-independent fingerprint of a group of service-use rows: what
    int_cost_monthly costs one client from (int_cost_inputs). Two groups
    with the same fingerprint hold the same rows. DuckDB, PostgreSQL and SQL
    Server: the sums of two parts of each row's md5 (64, 60 and 56 bits each)
    and the row count, which needs no sort and no long string. Spark (where
    int_cost_monthly is a table anyway) and other engines: the md5 of the
    rows' md5s in sorted order. -#}
{% macro cost_inputs_fingerprint(columns) %}
    {{ return(adapter.dispatch('cost_inputs_fingerprint', 'costcalc')(columns)) }}
{% endmacro %}

{% macro default__cost_inputs_fingerprint(columns) -%}
    {{ dbt.hash(dbt.listagg(dbt.hash(cost_inputs_row_text(columns)), "','",
                            "order by " ~ dbt.hash(cost_inputs_row_text(columns)))) }}
{%- endmacro %}

{% macro duckdb__cost_inputs_fingerprint(columns) -%}
    cast(sum(cast(md5_number_upper({{ cost_inputs_row_text(columns) }}) as hugeint)) as varchar)
    || '.' || cast(sum(cast(md5_number_lower({{ cost_inputs_row_text(columns) }}) as hugeint)) as varchar)
    || '.' || cast(count(*) as varchar)
{%- endmacro %}

{% macro postgres__cost_inputs_fingerprint(columns) -%}
    cast(sum(cast(cast(('x' || substr(md5({{ cost_inputs_row_text(columns) }}), 1, 15)) as bit(60)) as bigint)) as text)
    || '.' || cast(sum(cast(cast(('x' || substr(md5({{ cost_inputs_row_text(columns) }}), 16, 15)) as bit(60)) as bigint)) as text)
    || '.' || cast(count(*) as text)
{%- endmacro %}

{% macro sqlserver__cost_inputs_fingerprint(columns) -%}
    cast(sum(cast(convert(bigint, substring(hashbytes('MD5', {{ cost_inputs_row_text(columns) }}), 1, 7)) as decimal(38, 0))) as varchar(40))
    + '.' + cast(sum(cast(convert(bigint, substring(hashbytes('MD5', {{ cost_inputs_row_text(columns) }}), 8, 7)) as decimal(38, 0))) as varchar(40))
    + '.' + cast(count(*) as varchar(20))
{%- endmacro %}

{% macro spark__cost_inputs_fingerprint(columns) -%}
    md5(array_join(array_sort(collect_list(md5({{ cost_inputs_row_text(columns) }}))), ','))
{%- endmacro %}
