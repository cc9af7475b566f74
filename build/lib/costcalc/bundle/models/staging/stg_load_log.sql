-- One row per load, in load order (the most recently loaded file has the highest load_order).
with load_log as (

    select * from {{ source('raw', 'load_log') }}

)

select
    load_id,
    source_file,
    schema_code,
    file_type,
    provider,
    status,
    coalesce(extract_date, cast(loaded_at as date)) as extract_date,
    loaded_at,
    row_number() over (order by loaded_at, load_id) as load_order
from load_log
