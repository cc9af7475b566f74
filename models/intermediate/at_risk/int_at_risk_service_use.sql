-- Service-use records for the at-risk rules (docs/at-risk.md): by client, with
-- the record key (an opt-out covers records, docs/privacy.md), the service, the
-- service type as labelled and as given, and the effective dates of
-- int_service_use (recorded_end_date NULL: ongoing).
with uses as (

    select * from {{ ref('int_service_use') }}

),

labels as (

    select * from {{ ref('int_service_type_labels') }}

)

select
    ids.client_id,
    uses.record_key,
    uses.schema_code,
    uses.file_type,
    uses.service,
    coalesce(own_label.label, any_label.label, uses.service_type) as service_type,
    uses.service_type as service_type_raw,
    uses.start_date,
    uses.end_date,
    -- NULL while the record is ongoing (no end date in the data)
    uses.recorded_end_date
from uses
inner join {{ ref('int_record_client_ids') }} as ids on ids.record_key = uses.record_key
left join labels as own_label
    on own_label.file_type = uses.file_type
    and own_label.service_type_key = {{ service_type_key('uses.service_type') }}
left join labels as any_label
    on any_label.file_type = '*'
    and any_label.service_type_key = {{ service_type_key('uses.service_type') }}
