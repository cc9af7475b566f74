-- Where each client was seen living, one row per accepted raw row with an
-- address (macros/households/household_observation_rows.sql), with the
-- client's id and the dwelling: 'U:' + UPRN where the row has one, else where
-- the gazetteer names exactly one property for its address
-- (int_gazetteer_addresses), else where its address is known (from rows that
-- carry one) to have exactly one UPRN; else 'A:' + the address key (postcode
-- and first line). uprn_source says which ('row', 'gazetteer', 'address' or
-- NULL). The per-row work (address keys, evidence dates) is kept between
-- builds by load in int_household_observation_rows; this model only joins.
-- Personal data: this model stays in the intermediate schema; the marts
-- carry only ids.
with rows_seen as (

    select
        record_key,
        schema_code,
        surname_norm,
        address_key,
        uprn_key,
        is_communal_address,
        uprn,
        family_id,
        evidence_from,
        evidence_to,
        known_end
    from {{ ref('int_household_observation_rows') }}

),

observed as (

    select
        ids.client_id,
        rows_seen.*
    from rows_seen
    inner join {{ ref('int_record_client_ids') }} as ids on ids.record_key = rows_seen.record_key
    where rows_seen.address_key is not null or rows_seen.uprn is not null

),

address_uprns as (

    -- an address that rows give exactly one UPRN for
    select address_key, min(uprn) as uprn
    from observed
    where uprn is not null and address_key is not null
    group by address_key
    having count(distinct uprn) = 1

),

client_families as (

    select client_id, min(family_id) as family_id
    from observed
    where family_id is not null
    group by client_id

)

select
    observed.client_id,
    observed.record_key,
    observed.schema_code,
    observed.surname_norm,
    case
        when coalesce(observed.uprn, gazetteer.uprn, address_uprns.uprn) is not null
            then {{ dbt.concat(["'U:'", 'coalesce(observed.uprn, gazetteer.uprn, address_uprns.uprn)']) }}
        else {{ dbt.concat(["'A:'", 'observed.address_key']) }}
    end as dwelling_key,
    case
        when observed.uprn is not null then 'row'
        when gazetteer.uprn is not null then 'gazetteer'
        when address_uprns.uprn is not null then 'address'
    end as uprn_source,
    client_families.family_id,
    observed.is_communal_address,
    observed.evidence_from,
    observed.evidence_to,
    observed.known_end
from observed
left join {{ ref('int_gazetteer_addresses') }} as gazetteer on gazetteer.uprn_key = observed.uprn_key
left join address_uprns on address_uprns.address_key = observed.address_key
left join client_families on client_families.client_id = observed.client_id
