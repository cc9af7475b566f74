-- Every file type (display name) a client has any record in, cost or status:
-- the client-pool filters.
select distinct
    ids.client_id,
    coalesce(file_types.display_name, records.file_type) as membership,
    records.schema_code
from {{ ref('int_records') }} as records
inner join {{ ref('int_record_client_ids') }} as ids on ids.record_key = records.record_key
left join {{ ref('file_types') }} as file_types on file_types.file_type = records.file_type
