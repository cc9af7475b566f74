{#-
  The per-client part of the pathways cohorts (fct_pathways_cohort,
  docs/pathways.md), kept between builds: one row per client and month the
  cohorts need them in, with the client's age band on the first day of that
  month and the type of the household they lived in then. The months are:
  - a client entrant's entry month (is_entrant 1);
  - for a client never in temporary accommodation, each client reference
    month (the entry month of a client entrant with a complete window,
    int_pathways_entrants) in which they have a service-use record
    overlapping the month: in the data then, a comparison candidate;
  and one row more per client worked out (reference_month NULL), so that a
  client in no month is known to be worked out too.

  Incremental, as int_cost_monthly (docs/scale.md, "Incremental builds"): the
  pre-hook deletes the rows of every client whose fingerprint
  (int_pathways_client_inputs) changed or who is gone; the model then works
  out only the clients with no rows and appends them. A client's rows depend
  on nothing but their own rows and what the fingerprint holds for everyone
  (the reference months, the age bands). The strata and weights, which depend
  on everyone, are worked out in full by fct_pathways_cohort from these rows.
  Spark: a table built in full.
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_changed(this, 'int_pathways_client_inputs') }}"
) }}
-- depends_on: {{ ref('int_pathways_client_inputs') }}
with evaluated as (

    -- the clients to work out: all, or (incremental) those with no stored rows
    select client_id, inputs_hash, inputs_signature from {{ ref('int_pathways_client_inputs') }} as inputs
    {% if is_incremental() -%}
    where
        not exists (
            select 1 from {{ this }} as stored
            where stored.client_id = inputs.client_id
        )
    {%- endif %}

),

entrants as (

    select entries.unit_id as client_id, entries.entry_month
    from {{ ref('int_pathways_entries') }} as entries
    inner join evaluated on evaluated.client_id = entries.unit_id
    where entries.level = 'client'

),

reference_months as (

    select distinct
        entrants.reference_month,
        months.month_end as reference_month_end
    from {{ ref('int_pathways_entrants') }} as entrants
    inner join {{ ref('int_months') }} as months on months.month_start = entrants.reference_month
    where entrants.level = 'client' and entrants.window_complete = 1

),

client_months as (

    -- never in temporary accommodation, with a record overlapping the reference month (as an
    -- entrant's placement does)
    select distinct
        uses.client_id,
        reference_months.reference_month,
        0 as is_entrant
    from reference_months
    inner join {{ ref('fct_service_use') }} as uses
        on uses.start_date <= reference_months.reference_month_end
        and coalesce(uses.end_date, uses.start_date) >= reference_months.reference_month
    inner join evaluated on evaluated.client_id = uses.client_id
    where
        not exists (
            select 1 from entrants
            where entrants.client_id = uses.client_id
        )

    union all

    select client_id, entry_month as reference_month, 1 as is_entrant
    from entrants

),

client_households as (

    {{ pathways_household_on('client_months', 'reference_month', ['client_id', 'reference_month']) }}

),

keyed as (

    select
        client_months.client_id,
        client_months.reference_month,
        client_months.is_entrant,
        coalesce(age_bands.age_band, 'Unknown') as age_band,
        {{ pathways_household_type('household') }} as household_type
    from client_months
    inner join client_households
        on client_households.client_id = client_months.client_id
        and client_households.reference_month = client_months.reference_month
    left join {{ ref('dim_household') }} as household on household.household_id = client_households.household_id
    left join {{ ref('int_client_birth_dates') }} as birth on birth.client_id = client_months.client_id
    left join {{ ref('age_bands') }} as age_bands
        on {{ years_between('birth.dob', 'client_months.reference_month') }}
        between age_bands.min_age and age_bands.max_age

)

select
    keyed.client_id,
    cast(keyed.reference_month as date) as reference_month,
    cast(keyed.is_entrant as {{ dbt.type_int() }}) as is_entrant,
    cast(keyed.age_band as {{ dbt.type_string() }}) as age_band,
    cast(keyed.household_type as {{ dbt.type_string() }}) as household_type,
    evaluated.inputs_hash,
    evaluated.inputs_signature,
    -- which build worked these rows out (dbt's invocation id): rows an incremental build left alone keep an earlier one
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as evaluated_by_invocation
from keyed
inner join evaluated on evaluated.client_id = keyed.client_id

union all

-- one row per client worked out, in any month or none
select
    evaluated.client_id,
    cast(null as date) as reference_month,
    cast(null as {{ dbt.type_int() }}) as is_entrant,
    cast(null as {{ dbt.type_string() }}) as age_band,
    cast(null as {{ dbt.type_string() }}) as household_type,
    evaluated.inputs_hash,
    evaluated.inputs_signature,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as evaluated_by_invocation
from evaluated
