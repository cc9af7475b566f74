-- One row per client with a service-use record: a fingerprint of everything
-- int_pathways_client_months works out for the client (docs/pathways.md,
-- "Where it is computed"): their own rows - service-use records (schema,
-- start, end: whether and when they entered TA, and the months they were in
-- the data), date of birth (int_client_birth_dates), every membership with
-- its household's type (fct_household_membership, dim_household) - and what
-- is the same for everyone: the client reference months (the entry months of
-- client entrants with a complete window, int_pathways_entrants: so a new
-- entry month, a change to the data start or to the windows works everyone
-- out again), the age bands (seeds/age_bands.csv) and pathways_revision
-- below. An incremental build works out again exactly the clients whose
-- fingerprint is not the one stored with their rows (docs/scale.md,
-- "Incremental builds").
-- pathways_revision: raise with any change to what int_pathways_client_months computes.
{%- set pathways_revision = 1 %}
with everyone as (

    select
        {{ dbt.concat([
            "coalesce((select " ~ cost_inputs_fingerprint(['reference_month']) ~ " from (select distinct reference_month from "
                ~ ref('int_pathways_entrants') ~ " where level = 'client' and window_complete = 1) as months), '-')",
            "':'",
            "coalesce((select " ~ cost_inputs_fingerprint(['age_band', 'min_age', 'max_age']) ~ " from "
                ~ ref('age_bands') ~ "), '-')",
            "':'",
            "'" ~ pathways_revision ~ "'"]) }} as everyone_hash

),

uses as (

    select
        client_id,
        {{ cost_inputs_fingerprint(['schema_code', 'start_date', 'end_date']) }} as uses_hash
    from {{ ref('fct_service_use') }}
    group by client_id

),

memberships as (

    select
        members.client_id,
        {{ cost_inputs_fingerprint(['members.household_id', 'members.valid_from', 'members.valid_to',
                                    'household.with_children', 'household.max_members']) }} as memberships_hash
    from {{ ref('fct_household_membership') }} as members
    left join {{ ref('dim_household') }} as household on household.household_id = members.household_id
    group by members.client_id

),

fingerprints as (

    select
        uses.client_id,
        {{ dbt.concat([
            "uses.uses_hash", "':'",
            "coalesce(cast(birth.dob as " ~ dbt.type_string() ~ "), '-')", "':'",
            "coalesce(memberships.memberships_hash, '-')", "':'",
            "everyone.everyone_hash"]) }} as inputs_hash
    from uses
    cross join everyone
    left join {{ ref('int_client_birth_dates') }} as birth on birth.client_id = uses.client_id
    left join memberships on memberships.client_id = uses.client_id

)

select
    client_id,
    inputs_hash,
    -- the number the kept rows are compared by (macros/incremental/inputs_signature.sql)
    {{ inputs_signature('client_id', 'inputs_hash') }} as inputs_signature
from fingerprints
