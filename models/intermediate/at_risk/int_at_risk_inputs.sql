-- One row per client the at-risk conditions look at, with a fingerprint of
-- everything int_at_risk_hits_by_client works out their hits from: their own
-- rows (service-use records, first listings on status lists, and the costs'
-- own fingerprint, int_cost_inputs) and what is the same for everyone (the
-- conditions, the evaluation dates and the housing benefit snapshots), so a
-- change to the rules or a new extract date evaluates everyone again. An
-- incremental build evaluates again exactly the clients whose fingerprint is
-- not the one stored with their rows (docs/scale.md, "Incremental builds").
with everyone as (

    select
        {{ dbt.concat([
            "coalesce((select " ~ cost_inputs_fingerprint(['condition_id', 'rule_id', 'kind', 'within_months',
                                                            'service', 'service_type', 'amount'])
                ~ " from " ~ ref('int_at_risk_conditions') ~ "), '-')",
            "':'",
            "coalesce((select " ~ cost_inputs_fingerprint(['as_at_date']) ~ " from "
                ~ ref('int_at_risk_dates') ~ "), '-')",
            "':'",
            "coalesce((select " ~ cost_inputs_fingerprint(['snapshot_date']) ~ " from "
                ~ ref('int_at_risk_snapshots') ~ "), '-')"]) }} as everyone_hash

),

uses as (

    select
        client_id,
        {{ cost_inputs_fingerprint(['record_key', 'schema_code', 'service', 'service_type', 'service_type_raw',
                                    'start_date', 'end_date']) }} as uses_hash
    from {{ ref('int_at_risk_service_use') }}
    group by client_id

),

listed as (

    select
        client_id,
        {{ cost_inputs_fingerprint(['record_key', 'schema_code', 'first_listed']) }} as listed_hash
    from {{ ref('int_at_risk_first_listed') }}
    group by client_id

),

clients as (

    select client_id from uses
    union
    select client_id from listed

),

fingerprints as (

    select
        clients.client_id,
        {{ dbt.concat([
            "coalesce(uses.uses_hash, '-')", "':'",
            "coalesce(listed.listed_hash, '-')", "':'",
            "coalesce(costs.inputs_hash, '-')", "':'",
            "everyone.everyone_hash"]) }} as inputs_hash
    from clients
    cross join everyone
    left join uses on uses.client_id = clients.client_id
    left join listed on listed.client_id = clients.client_id
    left join {{ ref('int_cost_inputs') }} as costs on costs.client_id = clients.client_id

)

select
    client_id,
    inputs_hash,
    -- the number the kept rows are compared by (macros/incremental/inputs_signature.sql)
    {{ inputs_signature('client_id', 'inputs_hash') }} as inputs_signature
from fingerprints
