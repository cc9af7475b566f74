-- Where each condition of the at-risk rules holds (docs/at-risk.md): one row per
-- condition, evaluation date, client and record that meets it (the records a
-- flag rests on, which opt-outs are checked against). Worked out, and kept
-- between builds, by client in int_at_risk_hits_by_client; this is it without
-- its one row per client evaluated.
{{ config(materialized='view') }}

select condition_id, rule_id, as_at_date, client_id, record_key
from {{ ref('int_at_risk_hits_by_client') }}
where condition_id is not null
