-- The first extract date listing each record of the status-list file types
-- (housing benefit switch, troubled families), by client: when the at-risk
-- conditions housing_benefit_switch and troubled_families_referral learnt of it
-- (status lists carry no dates of their own; docs/at-risk.md).
select
    ids.client_id,
    source_rows.record_key,
    source_rows.schema_code,
    min(source_rows.extract_date) as first_listed
from {{ ref('int_source_rows') }} as source_rows
inner join {{ ref('int_record_client_ids') }} as ids on ids.record_key = source_rows.record_key
where
    {{ at_risk_schema_in('source_rows.schema_code', 'housing_benefit_switch') }}
    or {{ at_risk_schema_in('source_rows.schema_code', 'troubled_families') }}
group by ids.client_id, source_rows.record_key, source_rows.schema_code
