{#- Small portable helpers. Each has a default__ (ANSI-ish SQL) and, where
    DuckDB differs or has a better form, a duckdb__ implementation. -#}

{% macro type_double() %}{{ return(adapter.dispatch('type_double', 'costcalc')()) }}{% endmacro %}
{% macro default__type_double() %}double precision{% endmacro %}
{% macro duckdb__type_double() %}double{% endmacro %}

{% macro type_money() %}{{ return(adapter.dispatch('type_money', 'costcalc')()) }}{% endmacro %}
{% macro default__type_money() %}decimal(18, 4){% endmacro %}

{#- Remove every match of a regular expression (all occurrences). -#}
{% macro regexp_remove(expr, pattern) %}{{ return(adapter.dispatch('regexp_remove', 'costcalc')(expr, pattern)) }}{% endmacro %}
{% macro default__regexp_remove(expr, pattern) %}regexp_replace({{ expr }}, '{{ pattern }}', ''){% endmacro %}
{% macro duckdb__regexp_remove(expr, pattern) %}regexp_replace({{ expr }}, '{{ pattern }}', '', 'g'){% endmacro %}
{% macro postgres__regexp_remove(expr, pattern) %}regexp_replace({{ expr }}, '{{ pattern }}', '', 'g'){% endmacro %}

{#- Medians per group, portably: every engine has row_number() and count() as
    window functions, not every one has a median aggregate (SQL Server has
    none; PostgreSQL's percentile_cont is not a window function). Renders a
    query over `relation` giving `group_by` columns and `median_value`: the
    middle value, or the mean of the two middle values. For a group of n
    values sorted 1..n the middle rows are those with n <= 2 * rn <= n + 2. -#}
{% macro group_median(relation, group_by, value) -%}
    {%- set keys = group_by | join(', ') -%}
    select {{ keys }}, avg({{ value }}) as median_value
    from (
        select
            {{ keys }},
            {{ value }},
            row_number() over (partition by {{ keys }} order by {{ value }}) as median_rn,
            count(*) over (partition by {{ keys }}) as median_n
        from {{ relation }}
    ) as ranked
    where 2 * median_rn between median_n and median_n + 2
    group by {{ keys }}
{%- endmacro %}

{#- 'C' and eight digits from a sequence number. -#}
{% macro format_client_id(seq) %}{{ return(adapter.dispatch('format_client_id', 'costcalc')(seq)) }}{% endmacro %}
{% macro default__format_client_id(seq) %}{{ dbt.concat(["'C'", "lpad(cast(" ~ seq ~ " as " ~ dbt.type_string() ~ "), 8, '0')"]) }}{% endmacro %}

{#- The later / earlier of two dates; NULL only when both are NULL. -#}
{% macro later_date(a, b) -%}
    case when {{ a }} is null then {{ b }} when {{ b }} is null or {{ a }} >= {{ b }} then {{ a }} else {{ b }} end
{%- endmacro %}
{% macro earlier_date(a, b) -%}
    case when {{ a }} is null then {{ b }} when {{ b }} is null or {{ a }} <= {{ b }} then {{ a }} else {{ b }} end
{%- endmacro %}

{#- The latest / earliest of a list of expressions, ignoring NULLs. -#}
{% macro latest_of(exprs) -%}
    {%- set acc = namespace(sql=exprs[0]) -%}
    {%- for e in exprs[1:] -%}{%- set acc.sql = later_date(acc.sql, e) -%}{%- endfor -%}
    {{ acc.sql }}
{%- endmacro %}
{% macro earliest_of(exprs) -%}
    {%- set acc = namespace(sql=exprs[0]) -%}
    {%- for e in exprs[1:] -%}{%- set acc.sql = earlier_date(acc.sql, e) -%}{%- endfor -%}
    {{ acc.sql }}
{%- endmacro %}

{#- Whole years from one date to another (an age). -#}
{% macro years_between(from_date, to_date) -%}
    ({{ dbt.datediff(from_date, to_date, 'year') }}
     - case when {{ date_part_of('month', to_date) }} < {{ date_part_of('month', from_date) }}
              or ({{ date_part_of('month', to_date) }} = {{ date_part_of('month', from_date) }}
                  and {{ date_part_of('day', to_date) }} < {{ date_part_of('day', from_date) }})
            then 1 else 0 end)
{%- endmacro %}

{#- Non-NULL text parts joined with ', ' (NULL when all are NULL). -#}
{% macro join_non_null(exprs, sep=', ') -%}
    {%- set parts = [] -%}
    {%- for e in exprs -%}
        {%- do parts.append("coalesce(" ~ dbt.concat(["'" ~ sep ~ "'", e]) ~ ", '')") -%}
    {%- endfor -%}
    nullif(substr({{ dbt.concat(parts) if parts | length > 1 else parts[0] }}, {{ sep | length + 1 }}), '')
{%- endmacro %}
