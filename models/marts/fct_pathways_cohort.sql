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
{%- set data_start = var('pathways_data_start', none) %}
{%- if data_start is not none and not modules.re.match('^[0-9]{4}-[0-9]{2}-01$', data_start | string) %}
    {{ exceptions.raise_compiler_error("var pathways_data_start must be the first day of a month, yyyy-mm-01, not " ~ data_start) }}
{%- endif %}
with entries as (

    select * from {{ ref('int_pathways_entries') }}

),

windows as (

    {{ pathways_windows() }}

),

data_start as (

    {%- if data_start is not none %}
    select cast('{{ data_start }}' as date) as first_month
    {%- else %}
    -- the month of the earliest service-use record in the warehouse
    select min(months.month_start) as first_month
    from {{ ref('fct_service_use') }} as uses
    inner join {{ ref('int_months') }} as months
        on uses.start_date between months.month_start and months.month_end
    {%- endif %}

),

entrants as (

    select
        entries.level,
        windows.window_months,
        entries.unit_id,
        entries.entry_date,
        entries.entry_month as reference_month,
        cast({{ dbt.dateadd('month', '-1 * windows.window_months', 'entries.entry_month') }} as date) as window_from,
        cast({{ dbt.dateadd('day', -1, 'entries.entry_month') }} as date) as window_to,
        case
            when
                cast({{ dbt.dateadd('month', '-1 * windows.window_months', 'entries.entry_month') }} as date)
                >= data_start.first_month
                then 1
            else 0
        end as window_complete
    from entries
    cross join windows
    cross join data_start

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

client_candidates as (

    -- never in temporary accommodation, with a record overlapping the reference month (as an
    -- entrant's placement does)
    select distinct
        reference_months.window_months,
        reference_months.reference_month,
        reference_months.window_from,
        reference_months.window_to,
        uses.client_id
    from reference_months
    inner join {{ ref('fct_service_use') }} as uses
        on uses.start_date <= reference_months.reference_month_end
        and coalesce(uses.end_date, uses.start_date) >= reference_months.reference_month
    left join entries
        on entries.level = 'client'
        and entries.unit_id = uses.client_id
    where reference_months.level = 'client' and entries.unit_id is null

),

client_units as (

    {{ pathways_cohort_units('client', 'client_id', 'client_candidates') }}

),

client_days as (

    select distinct client_id, reference_month from client_units

),

client_households as (

    {{ pathways_household_on('client_days', 'reference_month', ['client_id', 'reference_month']) }}

),

latest_dob as (

    select client_id, dob from {{ ref('int_client_birth_dates') }}

),

client_keys as (

    select
        client_days.client_id,
        client_days.reference_month,
        coalesce(age_bands.age_band, 'Unknown') as age_band,
        {{ pathways_household_type('household') }} as household_type
    from client_days
    inner join client_households
        on client_households.client_id = client_days.client_id
        and client_households.reference_month = client_days.reference_month
    left join {{ ref('dim_household') }} as household on household.household_id = client_households.household_id
    left join latest_dob on latest_dob.client_id = client_days.client_id
    left join {{ ref('age_bands') }} as age_bands
        on {{ years_between('latest_dob.dob', 'client_days.reference_month') }}
        between age_bands.min_age and age_bands.max_age

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
    inner join client_keys
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
