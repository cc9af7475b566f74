-- Each client's memberships: the household id of each episode (the latest
-- ledger entry of its items) with the dates the client lived there.
with ledger as (

    select
        item_key,
        household_id,
        row_number() over (partition by item_key order by build_seq desc) as recency
    from {{ ref('int_household_id_assignments') }}

)

select
    ledger.household_id,
    episodes.client_id,
    episodes.valid_from,
    episodes.valid_to,
    episodes.is_shared,
    episodes.from_residence_schema
from {{ ref('int_household_episodes') }} as episodes
inner join ledger on ledger.item_key = episodes.item_key and ledger.recency = 1
