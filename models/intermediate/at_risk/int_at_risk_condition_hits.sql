-- Where each condition of the at-risk rules holds (docs/at-risk.md): one row per
-- condition, evaluation date, client and record that meets it (the records a
-- flag rests on, which opt-outs are checked against). Every condition looks
-- back within_months calendar months from the as-at date (the window: after
-- window_start, up to and including the as-at date), and uses only what was
-- known by the as-at date:
-- - housing_benefit_claim_started: a claim's entitlement start date;
-- - housing_benefit_claim_ended: the first snapshot without the claim (the
--   date the end became known; a claim still in the latest snapshot has not ended);
-- - housing_benefit_switch, troubled_families_referral: the first extract date
--   of a file listing the person (status lists carry no dates of their own);
-- - service_used: a record of the service / service type that started by the
--   as-at date and ran into the window;
-- - spend_above: cost over the amount in the calendar months of the window
--   (marts.fct_cost_monthly), resting on the records that ran in the window.
with windows as (

    select
        conditions.condition_id,
        conditions.rule_id,
        conditions.kind,
        conditions.service,
        conditions.service_type,
        conditions.amount,
        dates.as_at_date,
        {{ at_risk_months_before('conditions.within_months', 'dates.as_at_date') }} as window_start
    from {{ ref('int_at_risk_conditions') }} as conditions
    cross join {{ ref('int_at_risk_dates') }} as dates

),

uses as (

    select * from {{ ref('int_at_risk_service_use') }}

),

snapshots as (

    select distinct extract_date as snapshot_date
    from {{ ref('stg_load_log') }}
    where status = 'loaded' and {{ at_risk_schema_in('schema_code', 'housing_benefit') }}

),

claim_ends as (

    select
        uses.client_id,
        uses.record_key,
        min(snapshots.snapshot_date) as known_ended
    from uses
    inner join snapshots on snapshots.snapshot_date > uses.end_date
    where {{ at_risk_schema_in('uses.schema_code', 'housing_benefit') }}
    group by uses.client_id, uses.record_key

),

first_listed as (

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

),

service_used as (

    select windows.condition_id, windows.rule_id, windows.as_at_date, uses.client_id, uses.record_key
    from windows
    inner join uses
        on uses.start_date <= windows.as_at_date
        and uses.end_date > windows.window_start
        and (windows.service is null or lower(trim(uses.service)) = lower(trim(windows.service)))
        and (
            windows.service_type is null
            or lower(trim(uses.service_type)) = lower(trim(windows.service_type))
            or lower(trim(uses.service_type_raw)) = lower(trim(windows.service_type))
        )
    where windows.kind = 'service_used'

),

claim_started as (

    select windows.condition_id, windows.rule_id, windows.as_at_date, uses.client_id, uses.record_key
    from windows
    inner join uses
        on uses.start_date > windows.window_start
        and uses.start_date <= windows.as_at_date
        and {{ at_risk_schema_in('uses.schema_code', 'housing_benefit') }}
    where windows.kind = 'housing_benefit_claim_started'

),

claim_ended as (

    select windows.condition_id, windows.rule_id, windows.as_at_date, claim_ends.client_id, claim_ends.record_key
    from windows
    inner join claim_ends
        on claim_ends.known_ended > windows.window_start
        and claim_ends.known_ended <= windows.as_at_date
    where windows.kind = 'housing_benefit_claim_ended'

),

listed as (

    select windows.condition_id, windows.rule_id, windows.as_at_date, first_listed.client_id, first_listed.record_key
    from windows
    inner join first_listed
        on first_listed.first_listed > windows.window_start
        and first_listed.first_listed <= windows.as_at_date
        and (
            (
                windows.kind = 'housing_benefit_switch'
                and {{ at_risk_schema_in('first_listed.schema_code', 'housing_benefit_switch') }}
            )
            or (
                windows.kind = 'troubled_families_referral'
                and {{ at_risk_schema_in('first_listed.schema_code', 'troubled_families') }}
            )
        )

),

spenders as (

    select
        windows.condition_id,
        windows.rule_id,
        windows.as_at_date,
        windows.window_start,
        windows.service,
        costs.client_id
    from windows
    inner join {{ ref('fct_cost_monthly') }} as costs
        on costs.month > windows.window_start
        and costs.month <= windows.as_at_date
        and (windows.service is null or lower(trim(costs.service)) = lower(trim(windows.service)))
    where windows.kind = 'spend_above'
    group by
        windows.condition_id, windows.rule_id, windows.as_at_date, windows.window_start, windows.service,
        windows.amount, costs.client_id
    having sum(costs.cost) > windows.amount

),

spend_above as (

    select spenders.condition_id, spenders.rule_id, spenders.as_at_date, uses.client_id, uses.record_key
    from spenders
    inner join uses
        on uses.client_id = spenders.client_id
        and uses.start_date <= spenders.as_at_date
        and uses.end_date > spenders.window_start
        and (spenders.service is null or lower(trim(uses.service)) = lower(trim(spenders.service)))

),

hits as (

    select * from service_used
    union all
    select * from claim_started
    union all
    select * from claim_ended
    union all
    select * from listed
    union all
    select * from spend_above

)

select distinct condition_id, rule_id, as_at_date, client_id, record_key
from hits
