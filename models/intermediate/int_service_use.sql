-- One row per de-duplicated service-use record of a cost schema, with its
-- service (the file type's display name) and effective end date: an ongoing
-- record (no end date) runs to the latest extract date of its file type; a
-- one-off without an end date ends on its start day. supplier is the supplier's name
-- as int_suppliers merges its spellings (NULL where the file names none).
with records as (

    select * from {{ ref('int_records') }}
    {%- set cost_codes = costcalc_schemas('cost').keys() | list %}
    where schema_code in ('{{ cost_codes | join("', '") }}')

),

file_types as (

    select * from {{ ref('file_types') }}

),

suppliers as (

    select * from {{ ref('int_suppliers') }}

),

latest_extracts as (

    select file_type, max(extract_date) as latest_extract_date
    from {{ ref('stg_load_log') }}
    where status = 'loaded'
    group by file_type

)

select
    records.record_key,
    records.schema_code,
    records.file_type,
    coalesce(file_types.display_name, records.file_type) as service,
    records.service_type,
    records.need,
    records.start_date,
    case
        when records.end_date is not null then records.end_date
        when {{ is_one_off('records.frequency') }} then records.start_date
        else latest_extracts.latest_extract_date
    end as end_date,
    records.end_date as recorded_end_date,
    {{ as_flag("records.end_date is null and not " ~ is_one_off('records.frequency')) }} as is_ongoing,
    records.frequency,
    records.unit_cost,
    {{ cost_per_day('records.unit_cost', 'records.frequency') }} as cost_per_day,
    {{ one_off_cost('records.unit_cost', 'records.frequency') }} as one_off_cost,
    {{ financial_year_cost('records.unit_cost', 'records.frequency') }} as cost_per_financial_year,
    suppliers.supplier
from records
left join file_types on file_types.file_type = records.file_type
left join suppliers on suppliers.supplier_given = records.supplier
left join latest_extracts on latest_extracts.file_type = records.file_type
