-- Each client's memberships: the household id of each episode (the latest
-- ledger entry of its items) with the dates the client lived there. A client
-- who moves with their household (int_household_moves) stays a member of the
-- same household: their consecutive episodes of one household are one
-- membership, from the first day to the last (NULL while current).
with ledger as (

    select
        item_key,
        household_id,
        row_number() over (partition by item_key order by build_seq desc) as recency
    from {{ ref('int_household_id_assignments') }}

),

episodes as (

    select
        ledger.household_id,
        episodes.client_id,
        episodes.valid_from,
        episodes.valid_to,
        episodes.is_shared,
        episodes.from_residence_schema,
        lag(ledger.household_id) over (partition by episodes.client_id order by episodes.valid_from)
            as previous_household_id
    from {{ ref('int_household_episodes') }} as episodes
    inner join ledger on ledger.item_key = episodes.item_key and ledger.recency = 1

),

runs as (

    select
        *,
        sum(case when previous_household_id = household_id then 0 else 1 end) over (
            partition by client_id order by valid_from rows between unbounded preceding and current row
        ) as run_no
    from episodes

)

select
    household_id,
    client_id,
    min(valid_from) as valid_from,
    case when max(case when valid_to is null then 1 else 0 end) = 1 then null else max(valid_to) end as valid_to,
    max(is_shared) as is_shared,
    max(from_residence_schema) as from_residence_schema
from runs
group by household_id, client_id, run_no
