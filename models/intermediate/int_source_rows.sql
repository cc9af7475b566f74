{#-
  Every accepted raw row of every schema, standardised (one row per raw row),
  with the fingerprint of its load (int_load_inputs) it was staged under.

  Incremental (docs/scale.md, "Incremental builds"): a raw row never changes
  once loaded, so the rows are kept by load. The pre-hook deletes the rows of
  every load whose fingerprint changed (a new extract date or load order,
  a change to staging) or that is gone (`costcalc unload`); the model then
  stages only the loads that have no rows stored and appends them, so the
  table is always what a full build would make. A table on Spark (parquet
  tables cannot delete rows).
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_changed(this, 'int_load_inputs') }}"
) }}
-- depends_on: {{ ref('int_load_inputs') }}

with staged as (

    {{ union_staging() }}

),

{%- if is_incremental() %}

unstaged_loads as (

    -- the loads with no stored rows: new, changed (the pre-hook deleted theirs)
    select inputs.load_id
    from {{ ref('int_load_inputs') }} as inputs
    where not exists (
        select 1 from {{ this }} as stored
        where stored.load_id = inputs.load_id
    )

),

{%- endif %}

inputs as (

    select load_id, inputs_hash, inputs_signature from {{ ref('int_load_inputs') }}

)

select
    staged.*,
    inputs.inputs_hash,
    inputs.inputs_signature,
    '{{ invocation_id }}' as staged_by_invocation
from staged
left join inputs on inputs.load_id = staged.load_id
{%- if is_incremental() %}
where
    staged.load_id in (select unstaged_loads.load_id from unstaged_loads)
    -- a raw row with no load-log entry (none is written so) is deleted and staged every build
    or inputs.load_id is null
{%- endif %}
