-- One row per file type with loaded files: how current its data is (the latest
-- extract date of a loaded file, and how many files were loaded). Reports print
-- it as provenance ("data extracted up to ..."). No file names, no personal data.
with loads as (

    select * from {{ ref('stg_load_log') }}
    where status = 'loaded'

),

file_types as (

    select * from {{ ref('file_types') }}

)

select
    loads.file_type,
    coalesce(max(file_types.display_name), loads.file_type) as service,
    max(loads.extract_date) as latest_extract_date,
    count(*) as files_loaded
from loads
left join file_types on file_types.file_type = loads.file_type
group by loads.file_type
