-- One row per household (docs/contract.md §4): its dates, how many people it
-- had (ever, now, and at most at one time), whether it had children, whether
-- its home was a temporary accommodation placement or a shared address, and
-- whether any member was ever in temporary accommodation. Pseudonymous: no
-- address, UPRN or personal detail. docs/households.md.
with members as (

    select * from {{ ref('int_household_members') }}

),

latest_dob as (

    select client_id, dob from {{ ref('int_client_birth_dates') }}

),

ever_placed as (

    -- clients with any record of a temporary accommodation schema
    select distinct ids.client_id
    from {{ ref('int_records') }} as records
    inner join {{ ref('int_record_client_ids') }} as ids on ids.record_key = records.record_key
    where records.schema_code in ('{{ household_setting('household_residence_schemas') | join("', '") }}')

),

together as (

    -- for each member's arrival, how many members were there on that day
    select
        a.household_id,
        a.client_id,
        count(distinct b.client_id) as present
    from members as a
    inner join members as b
        on b.household_id = a.household_id
        and b.valid_from <= a.valid_from
        and coalesce(b.valid_to, cast('9999-12-31' as date)) >= a.valid_from
    group by a.household_id, a.client_id

),

per_household as (

    select
        members.household_id,
        min(members.valid_from) as first_date,
        case when max(case when members.valid_to is null then 1 else 0 end) = 1 then null else max(members.valid_to) end
            as last_date,
        count(distinct members.client_id) as members_ever,
        count(distinct case when members.valid_to is null then members.client_id end) as current_members,
        max(
            case
                when latest_dob.dob is not null and {{ years_between('latest_dob.dob', 'members.valid_from') }} < 18
                    then 1
                else 0
            end
        ) as with_children,
        max(members.from_residence_schema) as is_temporary_accommodation,
        max(members.is_shared) as is_shared_address,
        max(case when ever_placed.client_id is not null then 1 else 0 end) as ever_temporary_accommodation
    from members
    left join latest_dob on latest_dob.client_id = members.client_id
    left join ever_placed on ever_placed.client_id = members.client_id
    group by members.household_id

),

sizes as (

    select household_id, max(present) as max_members
    from together
    group by household_id

)

select
    per_household.household_id,
    cast(per_household.first_date as date) as first_date,
    cast(per_household.last_date as date) as last_date,
    {{ as_flag('per_household.last_date is null') }} as is_current,
    cast(per_household.members_ever as {{ dbt.type_bigint() }}) as members_ever,
    cast(per_household.current_members as {{ dbt.type_bigint() }}) as current_members,
    cast(sizes.max_members as {{ dbt.type_bigint() }}) as max_members,
    {{ as_flag('per_household.with_children = 1') }} as with_children,
    {{ as_flag('per_household.is_temporary_accommodation = 1') }} as is_temporary_accommodation,
    {{ as_flag('per_household.ever_temporary_accommodation = 1') }} as ever_temporary_accommodation,
    {{ as_flag('per_household.is_shared_address = 1') }} as is_shared_address
from per_household
inner join sizes on sizes.household_id = per_household.household_id
