-- How well the at-risk rules predicted entry to temporary accommodation
-- (docs/at-risk.md): for every past month end with a full follow-up, each rule
-- flags people not in TA from what was known by then; a flag is right when the
-- person enters TA within the follow-up. One row per rule, and one (rule_id 0)
-- for the rule set (flagged by any rule). Counts are of client-months (a person
-- flagged at three month ends counts three times) and of distinct clients.
-- Exact counts, not suppressed: `costcalc report at-risk --evaluate` suppresses
-- small numbers (docs/disclosure.md). No client ids.
{%- set backtest = at_risk_rules().backtest %}
with dates as (

    select as_at_date
    from {{ ref('int_at_risk_dates') }}
    where has_follow_up = 1 and is_current = 0

),

rules as (

    select rule_id, rule_name, description from {{ ref('int_at_risk_rules') }}
    union all
    select
        0 as rule_id,
        {{ at_risk_text('Any rule (the rule set)') }} as rule_name,
        {{ at_risk_text('Flagged by at least one of the rules.') }} as description

),

rule_flags as (

    select flags.rule_id, flags.as_at_date, flags.client_id
    from {{ ref('int_at_risk_flags') }} as flags
    inner join dates on dates.as_at_date = flags.as_at_date

),

flags as (

    select rule_id, as_at_date, client_id from rule_flags
    union all
    select distinct 0 as rule_id, as_at_date, client_id from rule_flags

),

entered as (

    select entered.as_at_date, entered.client_id
    from {{ ref('int_at_risk_in_ta') }} as entered
    inner join dates on dates.as_at_date = entered.as_at_date
    where entered.status = 'entered_ta'

),

per_rule as (

    select
        rules.rule_id,
        count(flags.client_id) as flagged,
        count(distinct flags.client_id) as flagged_clients,
        sum(case when entered.client_id is not null then 1 else 0 end) as flagged_entered_ta,
        count(distinct entered.client_id) as flagged_entered_ta_clients
    from rules
    left join flags on flags.rule_id = rules.rule_id
    left join entered on entered.as_at_date = flags.as_at_date and entered.client_id = flags.client_id
    group by rules.rule_id

),

totals as (

    select count(*) as entered_ta, count(distinct client_id) as entered_ta_clients
    from entered

),

months as (

    select count(*) as months_evaluated, min(as_at_date) as first_as_at_date, max(as_at_date) as last_as_at_date
    from dates

)

select
    cast(rules.rule_id as integer) as rule_id,
    rules.rule_name,
    rules.description,
    cast(months.months_evaluated as integer) as months_evaluated,
    months.first_as_at_date,
    months.last_as_at_date,
    cast({{ backtest.follow_up_months | int }} as integer) as follow_up_months,
    cast(per_rule.flagged as bigint) as flagged,
    cast(per_rule.flagged_clients as bigint) as flagged_clients,
    cast(per_rule.flagged_entered_ta as bigint) as flagged_entered_ta,
    cast(per_rule.flagged_entered_ta_clients as bigint) as flagged_entered_ta_clients,
    cast(totals.entered_ta as bigint) as entered_ta,
    cast(totals.entered_ta_clients as bigint) as entered_ta_clients,
    case
        when per_rule.flagged > 0
            then cast(per_rule.flagged_entered_ta as {{ type_double() }}) / per_rule.flagged
    end as precision_rate,
    case
        when totals.entered_ta > 0
            then cast(per_rule.flagged_entered_ta as {{ type_double() }}) / totals.entered_ta
    end as recall_rate
from rules
inner join per_rule on per_rule.rule_id = rules.rule_id
cross join totals
cross join months
