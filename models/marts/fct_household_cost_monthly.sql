-- Cost per household, service, service type and calendar month: each
-- client's fct_cost_monthly row counted once, for the household the client
-- belonged to that month (the latest-starting membership overlapping the
-- month); a month before the client's first membership counts for their first
-- household, one after their last for their last. So the households' costs add
-- up to the costs of every client with a household. docs/households.md.
--
-- The household depends on the client and the month only, so it is chosen once
-- per client and month (not once per cost row: a client-month has a row per
-- service), and a client with one membership needs no choice at all
-- (docs/scale.md, "Full build from 1M to 3M rows").
with memberships as (

    select
        client_id,
        household_id,
        valid_from,
        valid_to,
        count(*) over (partition by client_id) as membership_count
    from {{ ref('int_household_members') }}

),

costs as (

    select client_id, service, service_type, month, cost
    from {{ ref('fct_cost_monthly') }}

),

moving_clients as (

    select distinct client_id
    from memberships
    where membership_count > 1

),

-- the months of the clients with more than one membership, each once
client_months as (

    select costs.client_id, costs.month
    from costs
    inner join moving_clients on moving_clients.client_id = costs.client_id
    group by costs.client_id, costs.month

),

candidates as (

    select
        client_months.client_id,
        client_months.month,
        memberships.household_id,
        row_number() over (
            partition by client_months.client_id, client_months.month
            order by
                case
                    when
                        memberships.valid_from <= months.month_end
                        and coalesce(memberships.valid_to, cast('9999-12-31' as date)) >= client_months.month
                        then 0
                    when memberships.valid_from > months.month_end then 1
                    else 2
                end,
                case
                    when memberships.valid_from > months.month_end
                        then {{ dbt.datediff("cast('1900-01-01' as date)", 'memberships.valid_from', 'day') }}
                    else 0
                end,
                memberships.valid_from desc,
                memberships.household_id
        ) as preference
    from client_months
    inner join {{ ref('int_months') }} as months on months.month_start = client_months.month
    inner join memberships on memberships.client_id = client_months.client_id

),

-- the household of each cost row: the only one, or the one chosen for its month
assigned as (

    select costs.service, costs.service_type, costs.month, costs.cost, memberships.household_id
    from costs
    inner join memberships
        on memberships.client_id = costs.client_id
        and memberships.membership_count = 1

    union all

    select costs.service, costs.service_type, costs.month, costs.cost, candidates.household_id
    from costs
    inner join candidates
        on candidates.client_id = costs.client_id
        and candidates.month = costs.month
        and candidates.preference = 1

)

select
    household_id,
    service,
    service_type,
    month,
    sum(cost) as cost
from assigned
group by household_id, service, service_type, month
