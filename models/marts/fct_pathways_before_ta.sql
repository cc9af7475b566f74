-- What each unit of the pathways cohorts (fct_pathways_cohort) used in its
-- look-back window, and what it cost (docs/pathways.md): one row per unit,
-- window, reference month, service and service type used - a service-use
-- record overlapping the window - with the cost of the window's calendar
-- months (fct_cost_monthly). A household's use is its members' (those with a
-- membership in the reference month), wherever they lived during the window.
-- Units that used nothing have no row. Individual-level pseudonymous: not for
-- publication.
with cohort as (

    select
        cohort.*,
        months.month_end as reference_month_end
    from {{ ref('fct_pathways_cohort') }} as cohort
    inner join {{ ref('int_months') }} as months on months.month_start = cohort.reference_month
    where cast(cohort.is_window_complete as {{ dbt.type_int() }}) = 1

),

people as (

    select
        level, window_months, cohort_group, reference_month, unit_id, window_from, window_to,
        unit_id as client_id
    from cohort
    where level = 'client'

    union all

    select distinct
        cohort.level,
        cohort.window_months,
        cohort.cohort_group,
        cohort.reference_month,
        cohort.unit_id,
        cohort.window_from,
        cohort.window_to,
        members.client_id
    from cohort
    inner join {{ ref('fct_household_membership') }} as members
        on members.household_id = cohort.unit_id
        and members.valid_from <= cohort.reference_month_end
        and coalesce(members.valid_to, cast('9999-12-31' as date)) >= cohort.reference_month
    where cohort.level = 'household'

),

used as (

    select distinct
        people.level,
        people.window_months,
        people.cohort_group,
        people.reference_month,
        people.unit_id,
        uses.service,
        uses.service_type
    from people
    inner join {{ ref('fct_service_use') }} as uses
        on uses.client_id = people.client_id
        and uses.start_date <= people.window_to
        and coalesce(uses.end_date, uses.start_date) >= people.window_from

),

spent as (

    select
        people.level,
        people.window_months,
        people.reference_month,
        people.unit_id,
        costs.service,
        costs.service_type,
        sum(costs.cost) as cost
    from people
    inner join {{ ref('fct_cost_monthly') }} as costs
        on costs.client_id = people.client_id
        and costs.month between people.window_from and people.window_to
    group by
        people.level, people.window_months, people.reference_month, people.unit_id,
        costs.service, costs.service_type

)

select
    used.level,
    used.window_months,
    used.cohort_group,
    used.reference_month,
    used.unit_id,
    used.service,
    used.service_type,
    cast(coalesce(spent.cost, 0) as {{ type_double() }}) as cost
from used
left join spent
    on spent.level = used.level
    and spent.window_months = used.window_months
    and spent.reference_month = used.reference_month
    and spent.unit_id = used.unit_id
    and {{ pathways_same_service('spent', 'used') }}
