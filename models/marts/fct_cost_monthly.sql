-- Cost per client, service, service type and calendar month (month = first
-- day). Each record is spread over the months it overlaps; a one-off falls in
-- the month of its start day, an Intermittent (per Financial Year) record in
-- the months holding its first day in each financial year. Unrounded.
with uses as (

    select * from {{ ref('fct_service_use') }}
    where unit_cost is not null

),

months as (

    select * from {{ ref('int_months') }}

),

spread as (

-- each record once per calendar month it overlaps (macros/costing/spread_over_months.sql)
    {{ spread_over_months('uses', 'months',
                          'case when uses.one_off_cost is not null then uses.start_date else uses.end_date end') }}

),

costed as (

    select
        spread.client_id,
        spread.service,
        spread.service_type,
        spread.month_start as month,
        {{ period_cost('spread.start_date', 'spread.end_date', 'spread.unit_cost', 'spread.frequency',
                       'spread.month_start', 'spread.month_end') }} as cost
    from spread
    where
        not {{ is_per_financial_year('spread.frequency') }}
        or {{ financial_year_starts('spread.start_date', 'spread.end_date',
                                    'spread.month_start', 'spread.month_end') }} > 0

)

select
    client_id,
    service,
    service_type,
    month,
    sum(cost) as cost
from costed
group by client_id, service, service_type, month
