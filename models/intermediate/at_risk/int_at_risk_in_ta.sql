-- Who is in temporary accommodation at each at-risk evaluation date, and who
-- enters it in the follow-up after (docs/at-risk.md). in_ta_at: a TA record
-- covers the date (an ongoing one counts to the end). entered_ta: not in TA at
-- the date, and a TA record starts after it, up to follow_up_end.
with dates as (

    select * from {{ ref('int_at_risk_dates') }}

),

ta as (

    select *
    from {{ ref('int_at_risk_service_use') }}
    where {{ at_risk_schema_in('schema_code', 'temporary_accommodation') }}

),

in_ta as (

    select distinct dates.as_at_date, ta.client_id
    from dates
    inner join ta
        on ta.start_date <= dates.as_at_date
        and (ta.end_date >= dates.as_at_date or ta.recorded_end_date is null)

),

entered as (

    select distinct dates.as_at_date, ta.client_id
    from dates
    inner join ta
        on ta.start_date > dates.as_at_date
        and ta.start_date <= dates.follow_up_end

)

select as_at_date, client_id, 'in_ta_at' as status
from in_ta

union all

select entered.as_at_date, entered.client_id, 'entered_ta' as status
from entered
left join in_ta on in_ta.as_at_date = entered.as_at_date and in_ta.client_id = entered.client_id
where in_ta.client_id is null
