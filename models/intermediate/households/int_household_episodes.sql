-- Who lived together: stays at the same dwelling that overlap in time make
-- one household episode (an unbroken run of overlapping stays). At a shared
-- dwelling (int_household_dwellings) only stays of one family (TF01 family
-- id), or else of one surname, that began on the same day are put together.
-- One row per client and episode; the episode_key (personal: it holds the
-- address) and the item_key (a hash of client, episode group and the client's
-- n-th stay in it) are what the household id ledger reads.
with spells as (

    select * from {{ ref('int_household_spells') }}

),

grouped as (

    select
        spells.*,
        dwellings.is_shared,
        case
            when dwellings.is_shared = 1
                then {{ dbt.concat([
                    'spells.dwelling_key', "'|'",
                    "coalesce(" ~ dbt.concat(["'F:'", 'spells.family_id']) ~ ", " ~ dbt.concat(["'S:'", 'spells.surname_norm'])
                        ~ ", " ~ dbt.concat(["'C:'", 'spells.client_id']) ~ ")",
                    "'|'", "cast(spells.valid_from as " ~ dbt.type_string() ~ ")"]) }}
            else spells.dwelling_key
        end as group_key
    from spells
    inner join {{ ref('int_household_dwellings') }} as dwellings on dwellings.dwelling_key = spells.dwelling_key

),

reached as (

    select
        *,
        max(coalesce(valid_to, cast('9999-12-31' as date))) over (
            partition by group_key order by valid_from, client_id, stay_no
            rows between unbounded preceding and 1 preceding
        ) as reach
    from grouped

),

flagged as (

    select
        *,
        case when reach is null or valid_from > reach then 1 else 0 end as is_new_episode
    from reached

),

numbered as (

    select
        *,
        sum(is_new_episode) over (
            partition by group_key order by valid_from, client_id, stay_no
            rows between unbounded preceding and current row
        ) as episode_no
    from flagged

),

members as (

    select
        client_id,
        group_key,
        episode_no,
        max(is_shared) as is_shared,
        max(from_residence_schema) as from_residence_schema,
        min(valid_from) as valid_from,
        case when max(case when valid_to is null then 1 else 0 end) = 1 then null else max(valid_to) end as valid_to
    from numbered
    group by client_id, group_key, episode_no

)

select
    {{ dbt.hash(dbt.concat(['group_key', "'#'", "cast(episode_no as " ~ dbt.type_string() ~ ")"])) }} as episode_key,
    {{ dbt.hash(dbt.concat(['client_id', "'|'", 'group_key', "'#'",
        "cast(row_number() over (partition by client_id, group_key order by episode_no) as " ~ dbt.type_string() ~ ")"])) }}
        as item_key,
    client_id,
    is_shared,
    from_residence_schema,
    valid_from,
    valid_to
from members
