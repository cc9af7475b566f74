-- One row per client: the date of birth on the client's latest record (the newest
-- extract date, then load order: docs/contract.md §2, macro latest_record_first).
-- The one place a client's date of birth is chosen: dim_client (age), dim_household
-- (children), the household moves (the eldest member) and the pathways cohorts (age band).
select client_id, dob
from (
    select
        ids.client_id,
        records.dob,
        row_number() over (partition by ids.client_id order by {{ latest_record_first('records.') }}) as recency
    from {{ ref('int_records') }} as records
    inner join {{ ref('int_record_client_ids') }} as ids on ids.record_key = records.record_key
) as ranked
where recency = 1
