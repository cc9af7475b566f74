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

{{ inputs_with_logic(ref('int_identity_records'), 'record_key', match_record_details_logic()) }}
