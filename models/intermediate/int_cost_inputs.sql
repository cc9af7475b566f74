-- One row per client with a costed service use: a fingerprint of everything
-- the client's monthly costs are computed from (their fct_service_use rows
-- with a unit cost, and the costing rules: costing_logic_version). An
-- incremental build of int_cost_monthly costs again exactly the clients
-- whose fingerprint is not the one stored with their rows
-- (docs/scale.md, "Incremental builds"). inputs_signature: the number the
-- stored rows are compared by (macros/incremental/inputs_signature.sql).
with fingerprints as (

    select
        client_id,
        {{ dbt.concat([
            cost_inputs_fingerprint(['service', 'service_type', 'start_date', 'end_date', 'unit_cost',
                                     'frequency', 'one_off_cost', 'cost_per_financial_year']),
            "':'", "'" ~ costing_logic_version() ~ "'"]) }} as inputs_hash
    from {{ ref('fct_service_use') }}
    where unit_cost is not null
    group by client_id

)

select
    client_id,
    inputs_hash,
    {{ inputs_signature('client_id', 'inputs_hash') }} as inputs_signature
from fingerprints
