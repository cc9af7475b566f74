-- One row per de-duplicated service-use record, by client, with what date-range
-- reports need to cost it: cost_per_day (per-day frequencies), one_off_cost or
-- cost_per_financial_year (Intermittent). service_type is the type's label
-- (seeds/service_type_labels.csv), service_type_raw the type as the file gave it.
with uses as (

    select * from {{ ref('int_service_use') }}

),

ids as (

    select * from {{ ref('int_record_client_ids') }}

),

records as (

    select record_key, first_load_order from {{ ref('int_records') }}

),

labels as (

    select * from {{ ref('int_service_type_labels') }}

)

select
    {{ dbt.concat([
        'ids.client_id', "'-'",
        "cast(row_number() over (partition by ids.client_id order by uses.start_date, uses.schema_code, records.first_load_order, uses.service, uses.service_type, uses.record_key) as " ~ dbt.type_string() ~ ")"
    ]) }} as service_use_id,
    ids.client_id,
    uses.schema_code,
    uses.file_type,
    uses.service,
    -- the label of seeds/service_type_labels.csv (the file type's own row first, then a
    -- '*' row); an unmapped type as the file gives it
    coalesce(own_label.label, any_label.label, uses.service_type) as service_type,
    uses.need,
    uses.start_date,
    uses.end_date,
    uses.is_ongoing,
    uses.frequency,
    uses.unit_cost,
    uses.cost_per_day,
    uses.one_off_cost,
    uses.cost_per_financial_year,
    uses.service_type as service_type_raw,
    coalesce(own_label.category, any_label.category) as service_category,
    uses.supplier
from uses
inner join ids on ids.record_key = uses.record_key
inner join records on records.record_key = uses.record_key
left join labels as own_label
    on own_label.file_type = uses.file_type
    and own_label.service_type_key = {{ service_type_key('uses.service_type') }}
left join labels as any_label
    on any_label.file_type = '*'
    and any_label.service_type_key = {{ service_type_key('uses.service_type') }}
