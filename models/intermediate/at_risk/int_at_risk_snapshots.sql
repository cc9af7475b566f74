-- The extract dates of the housing benefit snapshots loaded: a claim missing
-- from a later snapshot has ended, known from that snapshot's date (docs/at-risk.md).
select distinct extract_date as snapshot_date
from {{ ref('stg_load_log') }}
where status = 'loaded' and {{ at_risk_schema_in('schema_code', 'housing_benefit') }}
