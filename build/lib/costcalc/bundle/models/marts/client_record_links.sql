-- Every accepted row of every file (cost and status schemas) and its client.
select distinct
    source_rows.source_file,
    source_rows.source_row,
    source_rows.schema_code,
    ids.client_id
from {{ ref('int_source_rows') }} as source_rows
inner join {{ ref('int_record_client_ids') }} as ids on ids.record_key = source_rows.record_key
