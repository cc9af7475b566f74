{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}
-- The household-id ledger, kept like the client-id ledger
-- (int_client_id_assignments): append-only, never rebuilt (full_refresh=false).
-- Each build appends one row for every membership item (a client's n-th stay
-- in one episode group, int_household_episodes.item_key) whose household id is
-- new or changed; the latest row per item is its current id.
--
-- Rules: ids are 'H' + 8 digits from a sequence (never derived from personal
-- data) and are never reused. Each previous id stays with the episode holding
-- most of its items (a split keeps the id on the larger part); an episode
-- holding several previous ids keeps the lowest (oldest); episodes without an
-- id get new ones, in order of their start. So a rebuild gives the same ids,
-- and a newly seen member joins the household's existing id.
with items as (

    select
        item_key,
        episode_key,
        valid_from
    from {{ ref('int_household_episodes') }}

),

{% if is_incremental() %}
ledger as (

    select * from {{ this }}

),

current_ids as (

    select item_key, household_seq
    from (
        select
            item_key,
            household_seq,
            row_number() over (partition by item_key order by build_seq desc) as recency
        from ledger
    ) as latest
    where recency = 1

),

previous_build as (

    select coalesce(max(household_seq), 0) as max_seq, coalesce(max(build_seq), 0) as build_seq
    from ledger

),
{% else %}
current_ids as (

    select cast(null as {{ dbt.type_string() }}) as item_key, cast(null as {{ dbt.type_bigint() }}) as household_seq
    where 1 = 0

),

previous_build as (

    select cast(0 as {{ dbt.type_bigint() }}) as max_seq, cast(0 as {{ dbt.type_bigint() }}) as build_seq

),
{% endif %}

previous as (

    select items.item_key, items.episode_key, items.valid_from, current_ids.household_seq
    from items
    inner join current_ids on current_ids.item_key = items.item_key

),

id_homes as (

    -- each previous id's home: the episode holding most of its items
    select household_seq, episode_key
    from (
        select
            household_seq,
            episode_key,
            row_number() over (
                partition by household_seq
                order by count(*) desc, min(valid_from), episode_key
            ) as preference
        from previous
        group by household_seq, episode_key
    ) as candidates
    where preference = 1

),

kept_ids as (

    select episode_key, min(household_seq) as household_seq
    from id_homes
    group by episode_key

),

new_ids as (

    select
        items.episode_key,
        previous_build.max_seq + row_number() over (
            order by min(items.valid_from), items.episode_key
        ) as household_seq
    from items
    cross join previous_build
    where items.episode_key not in (select kept_ids.episode_key from kept_ids)
    group by items.episode_key, previous_build.max_seq

),

episode_ids as (

    select episode_key, household_seq from kept_ids
    union all
    select episode_key, household_seq from new_ids

),

assigned as (

    select
        items.item_key,
        episode_ids.household_seq,
        current_ids.household_seq as previous_seq
    from items
    inner join episode_ids on episode_ids.episode_key = items.episode_key
    left join current_ids on current_ids.item_key = items.item_key

)

select
    assigned.item_key,
    assigned.household_seq,
    {{ format_household_id('assigned.household_seq') }} as household_id,
    case when assigned.previous_seq is not null then {{ format_household_id('assigned.previous_seq') }} end
        as previous_household_id,
    case
        when assigned.previous_seq is null then 'new'
        when assigned.previous_seq in (select kept_ids.household_seq from kept_ids) then 'split'
        else 'merged'
    end as change_reason,
    previous_build.build_seq + 1 as build_seq,
    {{ dbt.current_timestamp() }} as assigned_at
from assigned
cross join previous_build
where assigned.previous_seq is null or assigned.previous_seq <> assigned.household_seq
