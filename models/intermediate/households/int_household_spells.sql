-- Each client's stays, one row per stay: consecutive observations (in order of
-- the date they were seen) at the same dwelling make one stay. A stay starts
-- at its first evidence, but not before the day after the last evidence of the
-- stay before it; it ends the day before the next stay starts, or on the end
-- of a stay the data says is over (temporary accommodation), or it is current
-- (valid_to NULL) when its last evidence is within var household_current_days
-- of the latest evidence in the warehouse; otherwise it ends on its last
-- evidence. docs/households.md.
with observations as (

    select * from {{ ref('int_household_observations') }}

),

ordered as (

    select
        *,
        case
            when lag(dwelling_key) over (
                partition by client_id order by evidence_to, evidence_from, dwelling_key, record_key
            ) = dwelling_key then 0
            else 1
        end as is_new_stay
    from observations

),

numbered as (

    select
        *,
        sum(is_new_stay) over (
            partition by client_id order by evidence_to, evidence_from, dwelling_key, record_key
            rows between unbounded preceding and current row
        ) as stay_no
    from ordered

),

stays as (

    select
        client_id,
        stay_no,
        min(dwelling_key) as dwelling_key,
        min(surname_norm) as surname_norm,
        min(family_id) as family_id,
        max(is_communal_address) as is_communal_address,
        max(case when schema_code in ('{{ household_setting('household_residence_schemas') | join("', '") }}') then 1 else 0 end)
            as from_residence_schema,
        min(evidence_from) as first_from,
        max(evidence_to) as last_to,
        case when max(known_end) = max(evidence_to) then max(known_end) end as known_end
    from numbered
    group by client_id, stay_no

),

started as (

    select
        *,
        case
            when lag(last_to) over (partition by client_id order by stay_no) >= first_from
                then cast({{ dbt.dateadd('day', 1, 'lag(last_to) over (partition by client_id order by stay_no)') }} as date)
            else first_from
        end as valid_from
    from stays

),

bounded as (

    select
        *,
        lead(valid_from) over (partition by client_id order by stay_no) as next_from,
        max(last_to) over () as latest_evidence
    from started

),

ended as (

    select
        client_id,
        stay_no,
        dwelling_key,
        surname_norm,
        family_id,
        is_communal_address,
        from_residence_schema,
        first_from,
        last_to,
        valid_from,
        case
            when next_from is not null then cast({{ dbt.dateadd('day', -1, 'next_from') }} as date)
            when known_end is not null then known_end
            when last_to >= cast({{ dbt.dateadd('day', -household_setting('household_current_days'), 'latest_evidence') }} as date)
                then null
            else last_to
        end as valid_to
    from bounded

)

select *
from ended
where valid_to is null or valid_to >= valid_from
