{#-
  One row per load: the fingerprint int_household_observation_rows keeps the
  load's household evidence by. The load's own fingerprint (int_load_inputs:
  its load-log entry and how staging treats its schema) with how a raw row
  becomes household evidence (household_rows_logic: an MD5 of
  household_observation_rows() as this build compiles it, with every
  household var it reads), so a change to either works the load's rows out
  again, as costing_logic_version does in int_cost_inputs (docs/scale.md,
  "Incremental builds"). A view: only that model reads it, twice per build.
-#}
{{ config(materialized='view') }}

with fingerprints as (

    select
        load_id,
        {{ dbt.hash(dbt.concat(['inputs_hash', "'|'", "'" ~ household_rows_logic() ~ "'"])) }} as inputs_hash
    from {{ ref('int_load_inputs') }}

)

select
    load_id,
    inputs_hash,
    -- the number the kept rows are compared by (macros/incremental/inputs_signature.sql)
    {{ inputs_signature('load_id', 'inputs_hash') }} as inputs_signature
from fingerprints
