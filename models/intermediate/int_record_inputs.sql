{#-
  One row per record (record_key): the fingerprint of its source rows
  (record_inputs_fingerprint: the fingerprints of the loads its rows are in,
  one per row). int_records works out again exactly the records whose
  fingerprint is not the one stored with their row, and forgets the records
  that are gone (docs/scale.md, "Incremental builds"). A view: only
  int_records' pre-hook reads it, once per build.
-#}
{{ config(materialized='view') }}

with loads as (

    select
        inputs_hash,
        {{ load_fingerprint_number('inputs_hash') }} as load_number
    from {{ ref('int_load_inputs') }}

),

source_rows as (

    select
        source_rows.record_key,
        loads.load_number
    from {{ ref('int_source_rows') }} as source_rows
    left join loads on loads.inputs_hash = source_rows.inputs_hash

)

select
    record_key,
    {{ record_inputs_fingerprint('load_number') }} as inputs_hash
from source_rows
group by record_key
