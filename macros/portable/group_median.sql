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
