-- Whole-history spend per service and service type, small numbers suppressed
-- (docs/disclosure.md): a row of fewer clients than the disclosure threshold,
-- and the rows needed so that the total spend cannot reveal it, has NULL
-- counts and costs and is_suppressed true.
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

),

figures as (

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

),

-- the rows add up to the total spend (published in rpt_client_breakdown)
marked as (

    {{ small_number_suppression(
        'figures',
        keep=['service', 'service_type', 'client_count', 'record_count', 'total_cost', 'mean_cost_per_client'],
        counts=['client_count'],
        tie_break=['service', 'service_type']) }}

)

select
    service,
    service_type,
    {{ suppressed_value('client_count') }} as client_count,
    {{ suppressed_value('record_count') }} as record_count,
    {{ suppressed_value('total_cost') }} as total_cost,
    {{ suppressed_value('mean_cost_per_client') }} as mean_cost_per_client,
    {{ as_flag('suppressed_mark = 1') }} as is_suppressed
from marked
