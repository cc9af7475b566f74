{#-
  Every accepted raw row of every person schema as evidence of where someone
  lived (macros/households/household_observation_rows.sql: the address keys,
  the UPRN and family id, the evidence dates), with the load it came in, the
  fingerprint it was worked out under (int_household_observation_inputs: of
  that load, int_load_inputs, and of how the rows are worked out,
  household_rows_logic, an MD5 of the macro as compiled, which covers every
  household var it reads), and the dbt invocation that worked it out.

  Incremental as int_source_rows (docs/scale.md, "Incremental builds"): a raw
  row never changes once loaded, so the rows are kept by load. The pre-hook
  deletes the rows of every load whose fingerprint changed or that is gone
  (`costcalc unload`; every load's, when household_rows_logic() changed: a
  household var, the macro); the model then works out only the loads that
  have no rows stored and appends them, so the table is always what a full
  build would make. int_household_observations reads it. A table on Spark
  (parquet tables cannot delete rows).
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_changed(this, 'int_household_observation_inputs') }}"
) }}
-- depends_on: {{ ref('int_household_observation_inputs') }}

with
{%- if is_incremental() %}

kept_loads as (

    -- the loads whose rows are stored (the pre-hook deleted those of changed loads)
    select distinct load_id from {{ this }}

),

{%- endif %}

rows_seen as (

    {{ household_observation_rows(loads_kept=('kept_loads' if is_incremental() else none)) }}

)

select
    rows_seen.*,
    inputs.inputs_hash,
    inputs.inputs_signature,
    '{{ invocation_id }}' as observed_by_invocation
from rows_seen
left join {{ ref('int_household_observation_inputs') }} as inputs on inputs.load_id = rows_seen.load_id
