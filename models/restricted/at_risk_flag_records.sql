-- RESTRICTED: who the at-risk rules flag, and the records each flag rests on
-- (docs/at-risk.md). Read only by `costcalc at-risk list` (purpose D, audited),
-- which keeps a person only when a record their flag rests on may be used to
-- contact them (costcalc.governance.optouts.contactable_records). With the
-- client's household at the date (marts.fct_household_membership; the lowest id
-- should two memberships overlap) and whether a member of it is in temporary
-- accommodation then (household_in_ta 1: the household is not flagged).
with flags as (

    select * from {{ ref('int_at_risk_flags') }}

),

homes as (

    select
        flags.as_at_date,
        flags.client_id,
        min(members.household_id) as household_id
    from flags
    inner join {{ ref('fct_household_membership') }} as members
        on members.client_id = flags.client_id
        and members.valid_from <= flags.as_at_date
        and (members.valid_to is null or members.valid_to >= flags.as_at_date)
    group by flags.as_at_date, flags.client_id

),

households_in_ta as (

    select distinct
        in_ta.as_at_date,
        members.household_id
    from {{ ref('int_at_risk_in_ta') }} as in_ta
    inner join {{ ref('fct_household_membership') }} as members
        on members.client_id = in_ta.client_id
        and members.valid_from <= in_ta.as_at_date
        and (members.valid_to is null or members.valid_to >= in_ta.as_at_date)
    where in_ta.status = 'in_ta_at'

)

select
    dates.as_at_date,
    dates.is_current,
    flags.rule_id,
    rules.rule_name,
    flags.client_id,
    hits.record_key,
    homes.household_id,
    case when households_in_ta.household_id is not null then 1 else 0 end as household_in_ta
from flags
inner join {{ ref('int_at_risk_dates') }} as dates on dates.as_at_date = flags.as_at_date
inner join {{ ref('int_at_risk_rules') }} as rules on rules.rule_id = flags.rule_id
inner join {{ ref('int_at_risk_condition_hits') }} as hits
    on hits.rule_id = flags.rule_id
    and hits.as_at_date = flags.as_at_date
    and hits.client_id = flags.client_id
left join homes on homes.as_at_date = flags.as_at_date and homes.client_id = flags.client_id
left join households_in_ta
    on households_in_ta.as_at_date = homes.as_at_date
    and households_in_ta.household_id = homes.household_id
group by
    dates.as_at_date, dates.is_current, flags.rule_id, rules.rule_name, flags.client_id, hits.record_key,
    homes.household_id, households_in_ta.household_id
