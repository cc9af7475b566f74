-- One row per record (natural key, docs/contract.md §2). Every field comes from
-- the row of the file with the latest extract date; between files of the same
-- extract date, the file loaded last (load order = load_id, never the wall-clock
-- loaded_at); within a file, the later row. Lineage columns summarise all the
-- rows of the record.
with source_rows as (

    select * from {{ ref('int_source_rows') }}

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
        max(load_order) over (partition by record_key) as last_load_order
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
    supplier
from ranked
where recency = 1
