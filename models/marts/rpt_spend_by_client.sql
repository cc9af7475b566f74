-- Whole-history spend per client, ranked (1 = highest spend).
with spend as (

    select client_id, sum(cost) as total_cost
    from {{ ref('fct_cost_monthly') }}
    group by client_id

)

select
    -- a bigint on every engine (Spark's rank() is an int)
    cast(rank() over (order by coalesce(spend.total_cost, 0) desc) as {{ dbt.type_bigint() }}) as spend_rank,
    clients.client_id,
    coalesce(spend.total_cost, 0) as total_cost,
    clients.service_count,
    clients.age_band,
    clients.ever_temporary_accommodation,
    clients.in_troubled_families,
    clients.housing_benefit_switch,
    clients.first_service_date,
    clients.last_service_date
from {{ ref('dim_client') }} as clients
left join spend on spend.client_id = clients.client_id
