{#-
  One row per record (record_key): the fingerprint of its source rows
  (record_inputs_fingerprint: the fingerprints of the loads its rows are in,
  one per row). int_records works out again exactly the records whose
  fingerprint is not the one stored with their row, and forgets the records
  that are gone (docs/scale.md, "Incremental builds"). A view: only
  int_records' pre-hook reads it, once per build.
-#}
{{ config(materialized='view') }}

with source_rows as (

    select
        source_rows.record_key,
        loads.load_number
    from {{ ref('int_source_rows') }} as source_rows
    -- joined on the fingerprint the row was staged under: a row staged under another has none
    left join {{ ref('int_load_inputs') }} as loads on loads.inputs_hash = source_rows.inputs_hash

),

fingerprints as (

    select
        record_key,
        {{ record_inputs_fingerprint('load_number') }} as inputs_hash
    from source_rows
    group by record_key

)

select
    record_key,
    inputs_hash,
    -- the number the kept rows are compared by (macros/incremental/inputs_signature.sql)
    {{ inputs_signature('record_key', 'inputs_hash') }} as inputs_signature
from fingerprints
