{#-
  One row per record (natural key, docs/contract.md §2). Every field comes from
  the row of the file with the latest extract date; between files of the same
  extract date, the file loaded last (load order = load_id, never the wall-clock
  loaded_at); within a file, the later row. Lineage columns summarise all the
  rows of the record. inputs_hash is the fingerprint of the record's rows
  (int_record_inputs) it was worked out from; recorded_by_invocation the dbt
  invocation that worked it out.

  Incremental (docs/scale.md, "Incremental builds"): the pre-hook deletes
  every record whose fingerprint changed (a row of it was staged again, added
  or removed) or that is gone; the model then works out only the records that
  have no stored row, from all of their rows, and appends them. A record
  depends on nothing but its own rows, so the table is always what a full
  build would make, whichever build stopped where. A table on Spark (parquet
  tables cannot delete rows).
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_changed(this, 'int_record_inputs') }}"
) }}
-- depends_on: {{ ref('int_record_inputs') }}

with source_rows as (

    select
        source_rows.*,
        loads.load_number
    from {{ ref('int_source_rows') }} as source_rows
    -- joined on the fingerprint the row was staged under: a row staged under another has none
    left join {{ ref('int_load_inputs') }} as loads on loads.inputs_hash = source_rows.inputs_hash
    {%- if is_incremental() %}
    -- only the records with no stored row: new or changed (the pre-hook deleted theirs)
    where
        not exists (
            select 1 from {{ this }} as stored
            where stored.record_key = source_rows.record_key
        )
    {%- endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by record_key
            order by
                case when extract_date is null then 1 else 0 end, extract_date desc,
                load_order desc, source_row desc
        ) as recency,
        count(*) over (partition by record_key) as source_row_count,
        min(loaded_at) over (partition by record_key) as first_loaded_at,
        max(loaded_at) over (partition by record_key) as last_loaded_at,
        min(load_order) over (partition by record_key) as first_load_order,
        max(load_order) over (partition by record_key) as last_load_order,
        {{ record_inputs_fingerprint('load_number', over='over (partition by record_key)') }} as records_hash
    from source_rows

)

select
    record_key,
    schema_code,
    file_type,
    source_file as latest_source_file,
    source_row as latest_source_row,
    load_id as latest_load_id,
    source_row_count,
    first_loaded_at,
    last_loaded_at,
    first_load_order,
    last_load_order,
    extract_date,
    reference,
    surname,
    surname_norm,
    firstname,
    firstname_norm,
    dob,
    postcode,
    postcode_norm,
    nhs_number,
    ni_number,
    address,
    service_type,
    need,
    start_date,
    end_date,
    unit_cost,
    frequency,
    supplier,
    records_hash as inputs_hash,
    {{ inputs_signature('record_key', 'records_hash') }} as inputs_signature,
    '{{ invocation_id }}' as recorded_by_invocation
from ranked
where recency = 1
