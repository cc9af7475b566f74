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

{{ inputs_with_logic(ref('int_load_inputs'), 'load_id', household_rows_logic()) }}
