{#-
  Cost per household, service, service type and calendar month, with the
  fingerprint of the inputs it was computed from (int_household_cost_inputs):
  the state of marts.fct_household_cost_monthly kept between builds. Each
  client's int_cost_monthly row counted once, for the household the client
  belonged to that month (the latest-starting membership overlapping the
  month); a month before the client's first membership counts for their first
  household, one after their last for their last. So the households' costs add
  up to the costs of every client with a household. docs/households.md.

  The household depends on the client and the month only, so it is chosen once
  per client and month (not once per cost row: a client-month has a row per
  service), and a client with one membership needs no choice at all
  (docs/scale.md, "Full build from 1M to 3M rows").

  Incremental as int_cost_monthly (docs/scale.md, "Incremental builds"): the
  pre-hook deletes the rows of every household whose fingerprint changed or
  that is gone; the model then costs only the households that have no rows
  (new or changed) and appends them. A household's rows depend on nothing but
  its members' costs and all of their memberships, which its fingerprint
  covers, so the table is always what a full build would make. The state
  lives in the intermediate schema; on Spark it is a table, built in full.
  `costcalc build --full-refresh` rebuilds it in full.
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_changed(this, 'int_household_cost_inputs') }}"
) }}
-- depends_on: {{ ref('int_household_cost_inputs') }}

with households_to_cost as (

    select household_id, inputs_hash, inputs_signature
    from {{ ref('int_household_cost_inputs') }} as inputs
    {% if is_incremental() -%}
    -- only the households with no stored rows: new or changed (the pre-hook deleted theirs)
    where
        not exists (
            select 1 from {{ this }} as stored
            where stored.household_id = inputs.household_id
        )
    {%- endif %}

),

memberships as (

    select
        client_id,
        household_id,
        valid_from,
        valid_to,
        count(*) over (partition by client_id) as membership_count
    from {{ ref('int_household_members') }}
    {% if is_incremental() -%}
    -- only the members of the households to cost, with all of their memberships
    where
        client_id in (
            select members.client_id
            from {{ ref('int_household_members') }} as members
            inner join households_to_cost on households_to_cost.household_id = members.household_id
        )
    {%- endif %}

),

costs as (

    select client_id, service, service_type, month, cost
    from {{ ref('int_cost_monthly') }}
    {% if is_incremental() -%}
    where client_id in (select memberships.client_id from memberships)
    {%- endif %}

),

moving_clients as (

    select distinct client_id
    from memberships
    where membership_count > 1

),

-- the months of the clients with more than one membership, each once
client_months as (

    select costs.client_id, costs.month
    from costs
    inner join moving_clients on moving_clients.client_id = costs.client_id
    group by costs.client_id, costs.month

),

candidates as (

    select
        client_months.client_id,
        client_months.month,
        memberships.household_id,
        row_number() over (
            partition by client_months.client_id, client_months.month
            order by
                case
                    when
                        memberships.valid_from <= months.month_end
                        and coalesce(memberships.valid_to, cast('9999-12-31' as date)) >= client_months.month
                        then 0
                    when memberships.valid_from > months.month_end then 1
                    else 2
                end,
                case
                    when memberships.valid_from > months.month_end
                        then {{ dbt.datediff("cast('1900-01-01' as date)", 'memberships.valid_from', 'day') }}
                    else 0
                end,
                memberships.valid_from desc,
                memberships.household_id
        ) as preference
    from client_months
    inner join {{ ref('int_months') }} as months on months.month_start = client_months.month
    inner join memberships on memberships.client_id = client_months.client_id

),

-- the household of each cost row: the only one, or the one chosen for its month
assigned as (

    select costs.service, costs.service_type, costs.month, costs.cost, memberships.household_id
    from costs
    inner join memberships
        on memberships.client_id = costs.client_id
        and memberships.membership_count = 1

    union all

    select costs.service, costs.service_type, costs.month, costs.cost, candidates.household_id
    from costs
    inner join candidates
        on candidates.client_id = costs.client_id
        and candidates.month = costs.month
        and candidates.preference = 1

),

summed as (

    select
        household_id,
        service,
        service_type,
        month,
        sum(cost) as cost
    from assigned
    group by household_id, service, service_type, month

)

select
    summed.household_id,
    summed.service,
    summed.service_type,
    summed.month,
    summed.cost,
    -- a member's cost may fall to another household: only the households to cost are kept
    households_to_cost.inputs_hash,
    households_to_cost.inputs_signature,
    -- which build costed these rows (dbt's invocation id): rows an incremental build left alone keep an earlier one
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as costed_by_invocation
from summed
inner join households_to_cost on households_to_cost.household_id = summed.household_id
