-- One row per load, in load order: load_order follows load_id, which the loader hands out
-- in commit order (never the wall-clock loaded_at, which a clock change can send backwards).
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
    row_number() over (order by load_id) as load_order
from load_log
