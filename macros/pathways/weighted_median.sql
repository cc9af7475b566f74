{#- Weighted medians per group, portably (window sums only; no engine's median
    or percentile function). Renders a query over `relation` giving `group_by`
    columns and median_value: the value where the cumulative weight, in order
    of `value` (then `tie_break`), reaches half the group's weight; when it
    reaches exactly half at one value, the mean of that value and the next.
    With equal weights this is the ordinary median (group_median). Sums of
    fractional weights are compared with a relative tolerance of 1e-9. -#}
{% macro weighted_median(relation, group_by, value, weight, tie_break) -%}
    {%- set keys = group_by | join(', ') -%}
    select {{ keys }}, avg({{ value }}) as median_value
    from (
        select
            {{ keys }},
            {{ value }},
            sum({{ weight }}) over (
                partition by {{ keys }} order by {{ value }}, {{ tie_break | join(', ') }}
                rows between unbounded preceding and current row
            ) as cum_weight,
            coalesce(sum({{ weight }}) over (
                partition by {{ keys }} order by {{ value }}, {{ tie_break | join(', ') }}
                rows between unbounded preceding and 1 preceding
            ), 0) as weight_before,
            sum({{ weight }}) over (partition by {{ keys }}) / 2.0 as half_weight,
            sum({{ weight }}) over (partition by {{ keys }}) * 1e-9 as tolerance
        from {{ relation }}
    ) as running
    where
        (weight_before < half_weight - tolerance and cum_weight >= half_weight - tolerance)
        or (weight_before <= half_weight + tolerance and cum_weight > half_weight + tolerance)
    group by {{ keys }}
{%- endmacro %}
