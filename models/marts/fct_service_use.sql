-- One row per de-duplicated service-use record, by client, with what date-range
-- reports need to cost it: cost_per_day (per-day frequencies), one_off_cost or
-- cost_per_financial_year (Intermittent).
with uses as (

    select * from {{ ref('int_service_use') }}

),

ids as (

    select * from {{ ref('int_record_client_ids') }}

),

records as (

    select record_key, first_load_order from {{ ref('int_records') }}

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
    uses.service_type,
    uses.need,
    uses.start_date,
    uses.end_date,
    uses.is_ongoing,
    uses.frequency,
    uses.unit_cost,
    uses.cost_per_day,
    uses.one_off_cost,
    uses.cost_per_financial_year
from uses
inner join ids on ids.record_key = uses.record_key
inner join records on records.record_key = uses.record_key
