-- One row per household with a costed member: a fingerprint of everything the
-- household's monthly costs (int_household_cost_monthly) are computed from.
-- For each member, their cost fingerprint (int_cost_inputs.inputs_hash, which
-- covers their service use and the costing rules) and every one of their
-- memberships, in this household or any other: the household a client's cost
-- of a month goes to is chosen among all of the client's memberships. The
-- month spine (int_months) is fixed, so it needs no place here. An
-- incremental build costs again exactly the households whose fingerprint is
-- not the one stored with their rows (docs/scale.md, "Incremental builds").
with members as (

    -- each client once per household they were ever a member of
    select distinct household_id, client_id
    from {{ ref('int_household_members') }}

),

member_rows as (

    -- one row per member of the household and membership of that member
    select
        members.household_id,
        members.client_id,
        inputs.inputs_hash,
        memberships.household_id as membership_household_id,
        memberships.valid_from,
        memberships.valid_to
    from members
    inner join {{ ref('int_household_members') }} as memberships
        on memberships.client_id = members.client_id
    left join {{ ref('int_cost_inputs') }} as inputs
        on inputs.client_id = members.client_id

),

fingerprints as (

    select
        household_id,
        {{ cost_inputs_fingerprint(['client_id', 'inputs_hash', 'membership_household_id', 'valid_from',
                                    'valid_to']) }} as inputs_hash
    from member_rows
    group by household_id
    -- a household none of whose members has a costed service use has no costs to keep
    having count(inputs_hash) > 0

)

select
    household_id,
    inputs_hash,
    -- the number the kept rows are compared by (macros/incremental/inputs_signature.sql)
    {{ inputs_signature('household_id', 'inputs_hash') }} as inputs_signature
from fingerprints
