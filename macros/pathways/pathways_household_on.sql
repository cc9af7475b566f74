{#- The household each row's client lived in on the row's day (docs/pathways.md):
    the latest-starting membership covering that day; before the client's
    first membership, the first; after the last (or between two), the latest
    before it - the rule households' costs follow (fct_household_cost_monthly).
    Renders a query over `relation` (unique on client_id and `day`) giving its
    columns `keep`, plus household_id (NULL: the client has no household). -#}
{% macro pathways_household_on(relation, day, keep) -%}
    select {% for c in keep %}ranked.{{ c }}, {% endfor %}ranked.household_id
    from (
        select
            {% for c in keep %}rows_in.{{ c }}, {% endfor %}
            members.household_id,
            row_number() over (
                partition by rows_in.client_id, rows_in.{{ day }}
                order by
                    case
                        when members.household_id is null then 3
                        when
                            members.valid_from <= rows_in.{{ day }}
                            and coalesce(members.valid_to, cast('9999-12-31' as date)) >= rows_in.{{ day }}
                            then 0
                        when members.valid_from > rows_in.{{ day }} then 1
                        else 2
                    end,
                    case
                        when members.valid_from > rows_in.{{ day }}
                            then {{ dbt.datediff("cast('1900-01-01' as date)", 'members.valid_from', 'day') }}
                        else 0
                    end,
                    members.valid_from desc,
                    members.household_id
            ) as preference
        from {{ relation }} as rows_in
        left join {{ ref('fct_household_membership') }} as members on members.client_id = rows_in.client_id
    ) as ranked
    where ranked.preference = 1
{%- endmacro %}
