-- RESTRICTED: identifying details by record (for caseworkers' client lookup only).
select
    ids.client_id,
    records.record_key,
    records.schema_code,
    records.file_type,
    records.reference,
    records.surname,
    records.firstname,
    records.dob,
    records.postcode,
    records.address,
    records.nhs_number,
    records.ni_number,
    records.source_row_count,
    records.latest_source_file,
    records.latest_source_row,
    records.first_loaded_at,
    records.last_loaded_at,
    records.last_load_order,
    records.extract_date
from {{ ref('int_records') }} as records
inner join {{ ref('int_record_client_ids') }} as ids on ids.record_key = records.record_key
