{#-
  Where each condition of the at-risk rules holds, by client: the rows of
  int_at_risk_condition_hits (below), with the client's fingerprint
  (int_at_risk_inputs) they were worked out from, and one row more per client
  evaluated (condition_id NULL), so that a client with no hit is known to be
  evaluated too. int_at_risk_condition_hits is this without those rows.

  Incremental, as int_cost_monthly (docs/scale.md, "Incremental builds"): the
  pre-hook deletes the rows of every client whose fingerprint changed or who is
  gone; the model then evaluates only the clients with no rows and appends
  them. A client's hits depend on nothing but their own rows and what the
  fingerprint holds for everyone (the conditions, the evaluation dates, the
  housing benefit snapshots). Spark: a table built in full.
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_changed(this, 'int_at_risk_inputs') }}"
) }}
-- depends_on: {{ ref('int_at_risk_inputs') }}
-- The hits: where each condition of the at-risk rules holds (docs/at-risk.md): one row per
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
-- Services and service types are compared case- and space-insensitively
-- (lower(trim(...))), normalised once per row below rather than once per pair.
with evaluated as (

    -- the clients to evaluate: all, or (incremental) those with no stored rows
    select client_id, inputs_hash, inputs_signature from {{ ref('int_at_risk_inputs') }} as inputs
    {% if is_incremental() -%}
    where
        not exists (
            select 1 from {{ this }} as stored
            where stored.client_id = inputs.client_id
        )
    {%- endif %}

),

windows as (

    select
        conditions.condition_id,
        conditions.rule_id,
        conditions.kind,
        conditions.service,
        conditions.service_type,
        lower(trim(conditions.service)) as service_key,
        lower(trim(conditions.service_type)) as service_type_key,
        conditions.amount,
        dates.as_at_date,
        {{ at_risk_months_before('conditions.within_months', 'dates.as_at_date') }} as window_start
    from {{ ref('int_at_risk_conditions') }} as conditions
    cross join {{ ref('int_at_risk_dates') }} as dates

),

uses as (

    select
        client_id,
        record_key,
        schema_code,
        start_date,
        end_date,
        lower(trim(service)) as service_key,
        lower(trim(service_type)) as service_type_key,
        lower(trim(service_type_raw)) as service_type_raw_key
    from {{ ref('int_at_risk_service_use') }} as service_use
    where exists (
        select 1 from evaluated
        where evaluated.client_id = service_use.client_id
    )

),

snapshots as (

    select snapshot_date from {{ ref('int_at_risk_snapshots') }}

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

    select listings.client_id, listings.record_key, listings.schema_code, listings.first_listed
    from {{ ref('int_at_risk_first_listed') }} as listings
    inner join evaluated on evaluated.client_id = listings.client_id

),

service_used as (

    select windows.condition_id, windows.rule_id, windows.as_at_date, uses.client_id, uses.record_key
    from windows
    inner join uses
        on uses.start_date <= windows.as_at_date
        and uses.end_date > windows.window_start
        and (windows.service is null or uses.service_key = windows.service_key)
        and (
            windows.service_type is null
            or uses.service_type_key = windows.service_type_key
            or uses.service_type_raw_key = windows.service_type_key
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

-- spend_above, in three steps (same sums as adding up fct_cost_monthly's rows
-- in each window, docs/scale.md): the cost of each client in each month (and,
-- for conditions naming a service, each service) that any window covers,
-- summed once; then each window's months of it; then the records.
spend_windows as (

    select
        condition_id,
        rule_id,
        as_at_date,
        window_start,
        service,
        service_key,
        amount,
        row_number() over (order by condition_id, as_at_date) as window_id
    from windows
    where kind = 'spend_above'

),

spend_span as (

    select
        min(window_start) as span_start,
        max(as_at_date) as span_end
    from spend_windows

),

spend_services as (

    select distinct service_key from spend_windows
    where service is not null

),

spend_costs as (

    select
        costs.client_id,
        costs.month,
        lower(trim(costs.service)) as service_key,
        costs.cost
    from {{ ref('fct_cost_monthly') }} as costs
    inner join spend_span
        on spend_span.span_start < costs.month
        and spend_span.span_end >= costs.month
    where exists (
        select 1 from evaluated
        where evaluated.client_id = costs.client_id
    )

),

client_months as (

    select
        client_id,
        month,
        sum(cost) as cost
    from spend_costs
    group by client_id, month

),

client_service_months as (

    select
        spend_costs.client_id,
        spend_costs.month,
        spend_costs.service_key,
        sum(spend_costs.cost) as cost
    from spend_costs
    inner join spend_services on spend_services.service_key = spend_costs.service_key
    group by spend_costs.client_id, spend_costs.month, spend_costs.service_key

),

-- the clients whose cost in a window is over its amount. The amount is compared
-- in the group itself (a window has one amount: max() only carries it), so that
-- the records are joined to these rows, not first to every window (DuckDB chose
-- that order when the amount was compared after a join, and took twice as long)
spend_over as (

    select
        spend_windows.window_id,
        client_months.client_id
    from spend_windows
    inner join client_months
        on client_months.month > spend_windows.window_start
        and client_months.month <= spend_windows.as_at_date
    where spend_windows.service is null
    group by spend_windows.window_id, client_months.client_id
    having sum(client_months.cost) > max(spend_windows.amount)

    union all

    select
        spend_windows.window_id,
        client_service_months.client_id
    from spend_windows
    inner join client_service_months
        on client_service_months.service_key = spend_windows.service_key
        and client_service_months.month > spend_windows.window_start
        and client_service_months.month <= spend_windows.as_at_date
    group by spend_windows.window_id, client_service_months.client_id
    having sum(client_service_months.cost) > max(spend_windows.amount)

),

spenders as (

    select
        spend_windows.condition_id,
        spend_windows.rule_id,
        spend_windows.as_at_date,
        spend_windows.window_start,
        spend_windows.service,
        spend_windows.service_key,
        spend_over.client_id
    from spend_over
    inner join spend_windows on spend_windows.window_id = spend_over.window_id

),

spend_above as (

    select spenders.condition_id, spenders.rule_id, spenders.as_at_date, uses.client_id, uses.record_key
    from spenders
    inner join uses
        on uses.client_id = spenders.client_id
        and uses.start_date <= spenders.as_at_date
        and uses.end_date > spenders.window_start
        and (spenders.service is null or uses.service_key = spenders.service_key)

),

-- the other kinds; spend_above's rows are distinct already (one per window,
-- client and record: int_at_risk_service_use has one row per record, a tested
-- key), so only these few go through distinct
other_hits as (

    select * from service_used
    union all
    select * from claim_started
    union all
    select * from claim_ended
    union all
    select * from listed

),

hits as (

    select distinct condition_id, rule_id, as_at_date, client_id, record_key
    from other_hits

    union all

    select condition_id, rule_id, as_at_date, client_id, record_key
    from spend_above

)

select
    hits.condition_id,
    hits.rule_id,
    hits.as_at_date,
    hits.client_id,
    hits.record_key,
    evaluated.inputs_hash,
    evaluated.inputs_signature,
    -- which build worked these rows out (dbt's invocation id): rows an incremental build left alone keep an earlier one
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as evaluated_by_invocation
from hits
inner join evaluated on evaluated.client_id = hits.client_id

union all

-- one row per client evaluated, hit or not
select
    cast(null as integer) as condition_id,
    cast(null as integer) as rule_id,
    cast(null as date) as as_at_date,
    evaluated.client_id,
    cast(null as {{ dbt.type_string() }}) as record_key,
    evaluated.inputs_hash,
    evaluated.inputs_signature,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as evaluated_by_invocation
from evaluated
