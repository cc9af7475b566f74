{#-
  One row per identity record: the fingerprint int_match_record_details keeps
  the record's matching details by. The record's own fingerprint
  (int_identity_records.inputs_hash: int_records', of its source rows) with
  how a record becomes its matching details (match_record_details_logic: the
  macro as compiled and the placeholder and name-variant seeds' rows), so a
  change to either works the record out again, as household_rows_logic does
  in int_household_observation_inputs (docs/scale.md, "Incremental builds").
  A view: only that model reads it, twice per build.
-#}
{{ config(materialized='view') }}

with fingerprints as (

    select
        record_key,
        {{ dbt.hash(dbt.concat(['inputs_hash', "'|'", "'" ~ match_record_details_logic() ~ "'"])) }} as inputs_hash
    from {{ ref('int_identity_records') }}

)

select
    record_key,
    inputs_hash,
    -- the number the kept rows are compared by (macros/incremental/inputs_signature.sql)
    {{ inputs_signature('record_key', 'inputs_hash') }} as inputs_signature
from fingerprints
