-- RESTRICTED: one row per client with identifying details from the client's
-- latest record (newest extract date, then load order: docs/contract.md §2,
-- macros/records/latest_record_first.sql); NHS and NI numbers from the latest
-- record that has one (for caseworkers' client lookup only).
with records as (

    select * from {{ ref('identity_records') }}

),

ranked as (

    select
        *,
        row_number() over (partition by client_id order by {{ latest_record_first() }}) as recency,
        row_number() over (
            partition by client_id
            order by case when nhs_number is null then 1 else 0 end, {{ latest_record_first() }}
        ) as nhs_recency,
        row_number() over (
            partition by client_id
            order by case when ni_number is null then 1 else 0 end, {{ latest_record_first() }}
        ) as ni_recency
    from records

),

counts as (

    select client_id, count(*) as record_count
    from records
    group by client_id

)

select
    latest.client_id,
    latest.surname,
    latest.firstname,
    latest.dob,
    latest.postcode,
    latest.address,
    nhs.nhs_number,
    ni.ni_number,
    counts.record_count,
    latest.last_loaded_at
from ranked as latest
inner join ranked as nhs on nhs.client_id = latest.client_id and nhs.nhs_recency = 1
inner join ranked as ni on ni.client_id = latest.client_id and ni.ni_recency = 1
inner join counts on counts.client_id = latest.client_id
where latest.recency = 1
