-- Whole-history spend per service and service type.
with uses as (

    select
        service,
        service_type,
        count(*) as record_count,
        count(distinct client_id) as client_count
    from {{ ref('fct_service_use') }}
    group by service, service_type

),

spend as (

    select service, service_type, sum(cost) as total_cost
    from {{ ref('fct_cost_monthly') }}
    group by service, service_type

)

select
    uses.service,
    uses.service_type,
    uses.client_count,
    uses.record_count,
    coalesce(spend.total_cost, 0) as total_cost,
    coalesce(spend.total_cost, 0) / uses.client_count as mean_cost_per_client
from uses
left join spend
    on spend.service = uses.service
    and spend.service_type = uses.service_type
