-- The dates the at-risk rules are evaluated at (docs/at-risk.md): the latest
-- extract date of any loaded file (is_current: "now"), and the month ends of the
-- backtest before it (backtest.months of the rule file). follow_up_end is
-- backtest.follow_up_months later; has_follow_up says whether temporary
-- accommodation data reaches that far (only such dates are backtested).
-- is_current and has_follow_up are 1 or 0.
{%- set backtest = at_risk_rules().backtest %}
with loads as (

    select * from {{ ref('stg_load_log') }}
    where status = 'loaded'

),

latest as (

    select max(extract_date) as latest_extract_date from loads

),

latest_ta as (

    select max(extract_date) as latest_ta_extract_date
    from loads
    where {{ at_risk_schema_in('schema_code', 'temporary_accommodation') }}

),

dates as (

    select
        months.month_end as as_at_date,
        0 as is_current
    from {{ ref('int_months') }} as months
    cross join latest
    where
        months.month_end < latest.latest_extract_date
        and months.month_end >= {{ at_risk_months_before(backtest.months | int, 'latest.latest_extract_date') }}

    union all

    select
        latest_extract_date as as_at_date,
        1 as is_current
    from latest
    where latest_extract_date is not null

),

follow_up as (

    select
        as_at_date,
        is_current,
        {{ at_risk_months_before(-1 * (backtest.follow_up_months | int), 'as_at_date') }} as follow_up_end
    from dates

)

select
    follow_up.as_at_date,
    follow_up.is_current,
    follow_up.follow_up_end,
    case
        when
            latest_ta.latest_ta_extract_date is not null
            and follow_up.follow_up_end <= latest_ta.latest_ta_extract_date
            then 1
        else 0
    end as has_follow_up
from follow_up
cross join latest_ta
