{#- Engine portability helpers for the server targets (postgres, sqlserver, spark).
    Each is dispatched: default__ is ANSI-ish SQL, <adapter>__ where an engine differs. -#}

{#- Whole numbers 0 .. n-1 as a column `n`, without an introspective query
    (dbt.date_spine asks the warehouse how many intervals it needs). -#}
{% macro integers(n) -%}
    {%- set digits = "select 0 as d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9" -%}
    {%- set width = (n | string | length) -%}
    select n from (
        select
            {%- for i in range(width) %}
            d{{ i }}.d * {{ 10 ** i }}{{ ' +' if not loop.last }}
            {%- endfor %} as n
        from
            {%- for i in range(width) %}
            ({{ digits }}) as d{{ i }}{{ ',' if not loop.last }}
            {%- endfor %}
    ) as numbers
    where n < {{ n }}
{%- endmacro %}

{#- One row per calendar month: month_start (a date) for `months` months from `first_month`. -#}
{% macro month_spine(first_month, months) -%}
    select cast({{ dbt.dateadd('month', 'n', "cast('" ~ first_month ~ "' as date)") }} as date) as month_start
    from ({{ integers(months) }}) as month_numbers
{%- endmacro %}

{#- Engine versions of the dispatched helpers in macros/portable.sql. -#}
{% macro spark__type_double() %}double{% endmacro %}
{% macro sqlserver__type_double() %}float{% endmacro %}

{#- Java regular expressions (Spark) have no POSIX bracket classes: use \s and \p{Punct}. -#}
{% macro spark__regexp_remove(expr, pattern) -%}
    {%- set java = pattern.replace('[:space:]', '\\\\s').replace('[:punct:]', '\\\\p{Punct}') -%}
    regexp_replace({{ expr }}, '{{ java }}', '')
{%- endmacro %}

{#- T-SQL has no lpad. -#}
{% macro sqlserver__format_client_id(seq) -%}
    ('C' + right('00000000' + cast({{ seq }} as varchar(20)), 8))
{%- endmacro %}

{#- A predicate as a value (a flag column). T-SQL has no boolean values: a bit. -#}
{% macro as_flag(predicate) %}{{ return(adapter.dispatch('as_flag', 'costcalc')(predicate)) }}{% endmacro %}
{% macro default__as_flag(predicate) %}({{ predicate }}){% endmacro %}
{% macro sqlserver__as_flag(predicate) %}cast(case when {{ predicate }} then 1 else 0 end as bit){% endmacro %}

{#- A field (year, month, day) of a date. -#}
{% macro date_part_of(part, expr) %}{{ return(adapter.dispatch('date_part_of', 'costcalc')(part, expr)) }}{% endmacro %}
{% macro default__date_part_of(part, expr) %}extract({{ part }} from {{ expr }}){% endmacro %}
{% macro sqlserver__date_part_of(part, expr) %}datepart({{ part }}, {{ expr }}){% endmacro %}

{#- SQL Server before 2025 has no regular expressions: the patterns the project uses
    (spacing, the name noise of macros/normalise.sql, digits) by translate() (SQL
    Server 2017+) to char(1), then one replace(); any other pattern needs SQL
    Server 2025's regexp_replace. -#}
{% macro sqlserver__regexp_remove(expr, pattern) -%}
    {%- set spacing = " " ~ "\t\n\r" ~ "\u00a0" -%}
    {%- set punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~’‘´–—" -%}
    {%- if pattern == '[[:space:]]' -%}
        {%- set chars = spacing -%}
    {%- elif pattern == name_noise_pattern() -%}
        {%- set chars = spacing ~ punct -%}
    {%- elif pattern == '[0-9]' -%}
        {%- set chars = "0123456789" -%}
    {%- else -%}
        {{ return("regexp_replace(" ~ expr ~ ", '" ~ pattern ~ "', '')") }}
    {%- endif -%}
    {%- set lit = "N'" ~ chars.replace("'", "''") ~ "'" -%}
    {{ return("replace(translate(" ~ expr ~ ", " ~ lit ~ ", replicate(nchar(1), " ~ (chars | length) ~ ")), nchar(1), '')") }}
{%- endmacro %}

{#- Each row of `uses` once per calendar month it overlaps, from the month of
    start_date to the month of `end_expr`, with month_start and month_end
    (fct_cost_monthly). Default: a range join to int_months. DuckDB: a
    generated series per record, about four times faster at a million records
    (docs/scale.md). -#}
{% macro spread_over_months(uses, months, end_expr) %}
    {{ return(adapter.dispatch('spread_over_months', 'costcalc')(uses, months, end_expr)) }}
{% endmacro %}
{% macro default__spread_over_months(uses, months, end_expr) -%}
    select {{ uses }}.*, {{ months }}.month_start, {{ months }}.month_end
    from {{ uses }}
    inner join {{ months }}
        on {{ months }}.month_end >= {{ uses }}.start_date
        and {{ months }}.month_start <= {{ end_expr }}
{%- endmacro %}
{% macro duckdb__spread_over_months(uses, months, end_expr) -%}
    select spread.*, cast(last_day(spread.month_start) as date) as month_end
    from (
        select
            {{ uses }}.*,
            cast(unnest(generate_series(date_trunc('month', {{ uses }}.start_date),
                                        {{ end_expr }}, interval 1 month)) as date) as month_start
        from {{ uses }}
        where {{ uses }}.start_date >= date '1900-01-01'
          and {{ end_expr }} >= date_trunc('month', {{ uses }}.start_date)
    ) as spread
    where spread.month_start < date '2200-01-01'
{%- endmacro %}

{#- (table_name, column_name) of every table in the marts schema as dbt builds it
    (marts_build on PostgreSQL / SQL Server, see generate_schema_name). Spark has no
    information_schema: the columns are read from the catalog while compiling. -#}
{% macro marts_columns() %}{{ return(adapter.dispatch('marts_columns', 'costcalc')()) }}{% endmacro %}
{% macro default__marts_columns() -%}
    select table_name, column_name
    from information_schema.columns
    where lower(table_catalog) = lower('{{ target.database }}')
      and lower(table_schema) = '{{ generate_schema_name('marts', none) | trim }}'
{%- endmacro %}
{% macro spark__marts_columns() -%}
    {%- set rows = [] -%}
    {%- if execute -%}
        {%- for t in run_query('show tables in marts') if not t['isTemporary'] -%}
            {%- set rel = api.Relation.create(schema='marts', identifier=t['tableName']) -%}
            {%- for c in adapter.get_columns_in_relation(rel) -%}
                {%- do rows.append("select '" ~ t['tableName'] ~ "' as table_name, '" ~ c.name ~ "' as column_name") -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ rows | join('\nunion all\n') if rows else "select 'none' as table_name, 'none' as column_name where 1 = 0" }}
{%- endmacro %}
