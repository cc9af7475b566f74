-- One row per dwelling with how many people lived there together. A dwelling
-- is shared (a hostel, care home, HMO or a temporary accommodation block whose
-- rooms are not told apart) when, over any one person's stay, more than
-- var household_max_surnames different surnames or more than
-- var household_max_residents different people lived there too, or when its
-- first address line names a communal establishment (a word of var
-- household_shared_address_words: care home, hostel, ...) and is not a flat,
-- room or unit of it (macros/households/household_communal_flag.sql). At a shared
-- dwelling the address alone never makes a household (int_household_episodes).
with spells as (

    select * from {{ ref('int_household_spells') }}

),

overlapping as (

    select
        a.dwelling_key,
        a.client_id,
        a.stay_no,
        count(distinct b.client_id) as residents,
        count(distinct b.surname_norm) as surnames,
        max(a.is_communal_address) as is_communal_address
    from spells as a
    inner join spells as b
        on b.dwelling_key = a.dwelling_key
        and b.valid_from <= coalesce(a.valid_to, cast('9999-12-31' as date))
        and a.valid_from <= coalesce(b.valid_to, cast('9999-12-31' as date))
    group by a.dwelling_key, a.client_id, a.stay_no

)

select
    dwelling_key,
    max(residents) as max_residents,
    max(surnames) as max_surnames,
    count(distinct client_id) as clients_ever,
    max(is_communal_address) as is_communal_address,
    case
        when
            max(surnames) > {{ household_setting('household_max_surnames') }}
            or max(residents) > {{ household_setting('household_max_residents') }}
            or max(is_communal_address) = 1
            then 1
        else 0
    end as is_shared
from overlapping
group by dwelling_key
