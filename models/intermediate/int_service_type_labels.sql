-- The service-type labels seed keyed as service types match it (case- and
-- space-insensitively, macros/normalise/service_type_key.sql): one row per file
-- type ('*' = every file type) and key; a blank category is the label.
select
    trim(file_type) as file_type,
    {{ service_type_key('service_type') }} as service_type_key,
    trim(label) as label,
    coalesce(nullif(trim(category), ''), trim(label)) as category
from {{ ref('service_type_labels') }}
where nullif(trim(label), '') is not null
