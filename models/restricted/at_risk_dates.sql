-- RESTRICTED (read with at_risk_flag_records): the dates the at-risk rules were
-- evaluated at, so that `costcalc at-risk list --as-at` finds the latest one on
-- or before a day even when nobody was flagged then (docs/at-risk.md).
select as_at_date, is_current
from {{ ref('int_at_risk_dates') }}
