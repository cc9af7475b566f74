-- Cost per household, service, service type and calendar month: each
-- client's fct_cost_monthly row counted once, for the household the client
-- belonged to that month (the latest-starting membership overlapping the
-- month); a month before the client's first membership counts for their first
-- household, one after their last for their last. So the households' costs add
-- up to the costs of every client with a household. docs/households.md.
with costs as (

    select
        costs.*,
        months.month_end
    from {{ ref('fct_cost_monthly') }} as costs
    inner join {{ ref('int_months') }} as months on months.month_start = costs.month

),

candidates as (

    select
        costs.client_id,
        costs.service,
        costs.service_type,
        costs.month,
        costs.cost,
        members.household_id,
        row_number() over (
            partition by costs.client_id, costs.service, costs.service_type, costs.month
            order by
                case
                    when
                        members.valid_from <= costs.month_end
                        and coalesce(members.valid_to, cast('9999-12-31' as date)) >= costs.month
                        then 0
                    when members.valid_from > costs.month_end then 1
                    else 2
                end,
                case
                    when members.valid_from > costs.month_end
                        then {{ dbt.datediff("cast('1900-01-01' as date)", 'members.valid_from', 'day') }}
                    else 0
                end,
                members.valid_from desc,
                members.household_id
        ) as preference
    from costs
    inner join {{ ref('int_household_members') }} as members on members.client_id = costs.client_id

)

select
    household_id,
    service,
    service_type,
    month,
    sum(cost) as cost
from candidates
where preference = 1
group by household_id, service, service_type, month
