-- Cost per client, service, service type and calendar month (month = first
-- day). Each record is spread over the months it overlaps; a one-off falls in
-- the month of its start day. Unrounded.
with uses as (

    select * from {{ ref('fct_service_use') }}
    where unit_cost is not null

),

months as (

    select * from {{ ref('int_months') }}

),

costed as (

    select
        uses.client_id,
        uses.service,
        uses.service_type,
        months.month_start as month,
        {{ period_cost('uses.start_date', 'uses.end_date', 'uses.unit_cost', 'uses.frequency',
                       'months.month_start', 'months.month_end') }} as cost
    from uses
    inner join months
        on months.month_end >= uses.start_date
        and months.month_start <= case when uses.one_off_cost is not null then uses.start_date else uses.end_date end

)

select
    client_id,
    service,
    service_type,
    month,
    sum(cost) as cost
from costed
group by client_id, service, service_type, month
