-- The pathways into temporary accommodation cohorts (docs/pathways.md): one row
-- per unit (client or household), look-back window and reference month.
--
-- TA entrants: each client's first placement (and each household's: the
-- household placed). Its window is the window_months calendar months before the
-- month of entry; when that begins before the start of the data (the month of the
-- earliest service-use record, or var pathways_data_start) its history is
-- truncated: the row is kept with is_window_complete false and weight 0, and is
-- left out of the strata, the comparison and every figure.
--
-- Comparison: for each entry month of an entrant, the units never in temporary
-- accommodation that were in the data then - clients with a service-use record
-- overlapping the entry month; households with a member that month - in the
-- same stratum: entry month, age band (clients; at the first
-- day of the month) and household type (dim_household: with children, one
-- person, adults without children, no household known). Each comparison unit
-- weighs (entrants in the stratum) / (comparison units in the stratum), so the
-- comparison group counts as many as the entrants in every stratum it matches.
-- Individual-level pseudonymous (client and household ids): not for publication.
--
-- Where it is computed (docs/pathways.md): the entrants and their windows in
-- int_pathways_entrants; each client's months in the data, age band and
-- household type in int_pathways_client_months, kept between builds and worked
-- out again only for clients whose inputs changed; the households, the strata
-- and the weights (which depend on everyone) here, in full, every build.
with entrants as (

    -- each entry and window, with whether the window is complete (int_pathways_entrants)
    select * from {{ ref('int_pathways_entrants') }}

),

reference_months as (

    select distinct
        entrants.level,
        entrants.window_months,
        entrants.reference_month,
        entrants.window_from,
        entrants.window_to,
        months.month_end as reference_month_end
    from entrants
    inner join {{ ref('int_months') }} as months on months.month_start = entrants.reference_month
    where entrants.window_complete = 1

),

client_months as (

    -- each client's entry month and the reference months they were in the data in, with
    -- their age band and household type then: kept between builds (int_pathways_client_months)
    select client_id, reference_month, is_entrant, age_band, household_type
    from {{ ref('int_pathways_client_months') }}
    where reference_month is not null

),

client_candidates as (

    -- never in temporary accommodation, with a record overlapping the reference month (as an
    -- entrant's placement does)
    select
        reference_months.window_months,
        reference_months.reference_month,
        reference_months.window_from,
        reference_months.window_to,
        client_months.client_id
    from reference_months
    inner join client_months on client_months.reference_month = reference_months.reference_month
    where reference_months.level = 'client' and client_months.is_entrant = 0

),

client_units as (

    {{ pathways_cohort_units('client', 'client_id', 'client_candidates') }}

),

household_candidates as (

    -- never in temporary accommodation (no member ever), with a member in the reference month
    select distinct
        reference_months.window_months,
        reference_months.reference_month,
        reference_months.window_from,
        reference_months.window_to,
        members.household_id
    from reference_months
    inner join {{ ref('fct_household_membership') }} as members
        on members.valid_from <= reference_months.reference_month_end
        and coalesce(members.valid_to, cast('9999-12-31' as date)) >= reference_months.reference_month
    inner join {{ ref('dim_household') }} as household on household.household_id = members.household_id
    where
        reference_months.level = 'household'
        and cast(household.ever_temporary_accommodation as {{ dbt.type_int() }}) = 0

),

household_units as (

    {{ pathways_cohort_units('household', 'household_id', 'household_candidates') }}

),

units as (

    select
        'client' as level,
        client_units.cohort_group,
        client_units.window_months,
        client_units.reference_month,
        client_units.window_from,
        client_units.window_to,
        client_units.client_id as unit_id,
        client_units.entry_date,
        client_units.window_complete,
        client_keys.age_band,
        client_keys.household_type
    from client_units
    inner join client_months as client_keys
        on client_keys.client_id = client_units.client_id
        and client_keys.reference_month = client_units.reference_month

    union all

    select
        'household' as level,
        household_units.cohort_group,
        household_units.window_months,
        household_units.reference_month,
        household_units.window_from,
        household_units.window_to,
        household_units.household_id as unit_id,
        household_units.entry_date,
        household_units.window_complete,
        cast(null as {{ dbt.type_string() }}) as age_band,
        {{ pathways_household_type('household') }} as household_type
    from household_units
    left join {{ ref('dim_household') }} as household on household.household_id = household_units.household_id

),

strata as (

    select
        level,
        window_months,
        reference_month,
        coalesce(age_band, '') as age_key,
        household_type,
        sum(case when cohort_group = 'TA entrants' then window_complete else 0 end) as stratum_entrants,
        sum(case when cohort_group = 'Comparison' then 1 else 0 end) as stratum_comparison
    from units
    group by level, window_months, reference_month, coalesce(age_band, ''), household_type

)

select
    units.level,
    cast(units.window_months as {{ dbt.type_int() }}) as window_months,
    units.cohort_group,
    cast(units.reference_month as date) as reference_month,
    cast(units.window_from as date) as window_from,
    cast(units.window_to as date) as window_to,
    units.unit_id,
    cast(units.entry_date as date) as entry_date,
    units.age_band,
    units.household_type,
    cast(strata.stratum_entrants as {{ dbt.type_bigint() }}) as stratum_entrants,
    cast(strata.stratum_comparison as {{ dbt.type_bigint() }}) as stratum_comparison,
    {{ as_flag('units.window_complete = 1') }} as is_window_complete,
    cast(
        case
            when units.cohort_group = 'TA entrants' and units.window_complete = 0 then 0.0
            when units.cohort_group = 'TA entrants' then 1.0
            else 1.0 * strata.stratum_entrants / strata.stratum_comparison
        end as {{ type_double() }}
    ) as weight
from units
inner join strata
    on strata.level = units.level
    and strata.window_months = units.window_months
    and strata.reference_month = units.reference_month
    and strata.age_key = coalesce(units.age_band, '')
    and strata.household_type = units.household_type
where units.cohort_group = 'TA entrants' or strata.stratum_entrants > 0
