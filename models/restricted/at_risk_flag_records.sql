-- RESTRICTED: who the at-risk rules flag, and the records each flag rests on
-- (docs/at-risk.md). Read only by `costcalc at-risk list` (purpose D, audited),
-- which keeps a person only when a record their flag rests on may be used to
-- contact them (costcalc.governance.optouts.contactable_records).
select
    dates.as_at_date,
    dates.is_current,
    flags.rule_id,
    rules.rule_name,
    flags.client_id,
    hits.record_key
from {{ ref('int_at_risk_flags') }} as flags
inner join {{ ref('int_at_risk_dates') }} as dates on dates.as_at_date = flags.as_at_date
inner join {{ ref('int_at_risk_rules') }} as rules on rules.rule_id = flags.rule_id
inner join {{ ref('int_at_risk_condition_hits') }} as hits
    on hits.rule_id = flags.rule_id
    and hits.as_at_date = flags.as_at_date
    and hits.client_id = flags.client_id
group by dates.as_at_date, dates.is_current, flags.rule_id, rules.rule_name, flags.client_id, hits.record_key
