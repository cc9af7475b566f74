-- Pathways into temporary accommodation (docs/pathways.md): for each level
-- (client, household), look-back window (12, 24 months) and group (TA
-- entrants; the matched comparison group never in TA), per service and service
-- type used in the window, and for '(all services)': how many units used it,
-- the (weighted) share of the group using it, the mean cost per unit of the
-- group and per user, and the (weighted) median cost per user. Aggregate: no
-- client or household id.
--
-- Small numbers suppressed (docs/disclosure.md): a group of fewer than the
-- threshold units has every row suppressed and its size NULL; a service row
-- with 1 to threshold - 1 users is suppressed, and further rows of the same
-- group (fewest users first) until the suppressed ones are at least two
-- covering the threshold (a group's service rows add up, in mean cost per
-- unit, to its '(all services)' row). The '(all services)' row is suppressed
-- when its own users are fewer than the threshold.
{%- set grain = ['level', 'window_months', 'cohort_group', 'service', 'service_type'] %}
{%- set grain_columns = grain | join(', ') %}
with cohort as (

    select level, window_months, cohort_group, reference_month, unit_id, weight
    from {{ ref('fct_pathways_cohort') }}
    where cast(is_window_complete as {{ dbt.type_int() }}) = 1

),

groups as (

    select
        level,
        window_months,
        cohort_group,
        count(distinct unit_id) as people,
        sum(weight) as group_weight
    from cohort
    group by level, window_months, cohort_group

),

by_service as (

    select
        uses.level,
        uses.window_months,
        uses.cohort_group,
        uses.service,
        uses.service_type,
        0 as is_all,
        uses.reference_month,
        uses.unit_id,
        cohort.weight,
        uses.cost
    from {{ ref('fct_pathways_before_ta') }} as uses
    inner join cohort
        on cohort.level = uses.level
        and cohort.window_months = uses.window_months
        and cohort.reference_month = uses.reference_month
        and cohort.unit_id = uses.unit_id

),

usage as (

    select * from by_service

    union all

    select
        level,
        window_months,
        cohort_group,
        '(all services)' as service,
        cast(null as {{ dbt.type_string() }}) as service_type,
        1 as is_all,
        reference_month,
        unit_id,
        weight,
        sum(cost) as cost
    from by_service
    group by level, window_months, cohort_group, reference_month, unit_id, weight

),

per_row as (

    select
        {{ grain_columns }},
        count(distinct unit_id) as users,
        sum(weight) as user_weight,
        sum(weight * cost) as weighted_cost
    from usage
    group by {{ grain_columns }}

),

medians as (

    {{ weighted_median('usage', grain, 'cost', 'weight', ['reference_month', 'unit_id']) }}

),

service_rows as (

    select distinct level, window_months, service, service_type, is_all from usage

),

figures as (

    select
        service_rows.level,
        service_rows.window_months,
        groups.cohort_group,
        service_rows.service,
        service_rows.service_type,
        service_rows.is_all,
        groups.people,
        coalesce(per_row.users, 0) as users,
        coalesce(per_row.user_weight, 0) / groups.group_weight as share_using,
        coalesce(per_row.weighted_cost, 0) / groups.group_weight as mean_cost_per_person,
        per_row.weighted_cost / per_row.user_weight as mean_cost_per_user,
        medians.median_value as median_cost_per_user,
        case when {{ is_small_count('groups.people') }} then 1 else 0 end as group_small
    from service_rows
    inner join groups
        on groups.level = service_rows.level
        and groups.window_months = service_rows.window_months
    left join per_row
        on per_row.level = service_rows.level
        and per_row.window_months = service_rows.window_months
        and per_row.cohort_group = groups.cohort_group
        and {{ pathways_same_service('per_row', 'service_rows') }}
    left join medians
        on medians.level = service_rows.level
        and medians.window_months = service_rows.window_months
        and medians.cohort_group = groups.cohort_group
        and {{ pathways_same_service('medians', 'service_rows') }}

),

service_figures as (

    select * from figures
    where is_all = 0

),

marked_services as (

    {{ small_number_suppression(
        'service_figures',
        keep=['level', 'window_months', 'cohort_group', 'service', 'service_type', 'users', 'group_small'],
        counts=['users'],
        line_by=['level', 'window_months', 'cohort_group'],
        tie_break=['service', 'service_type'],
        forced='group_small = 1') }}

),

marks as (

    select {{ grain_columns }}, suppressed_mark
    from marked_services

    union all

    select
        {{ grain_columns }},
        case when group_small = 1 or {{ is_small_count('users') }} then 1 else 0 end as suppressed_mark
    from figures
    where is_all = 1

)

select
    figures.level,
    cast(figures.window_months as {{ dbt.type_int() }}) as window_months,
    figures.cohort_group,
    figures.service,
    figures.service_type,
    {{ as_flag('figures.is_all = 1') }} as is_all_services,
    cast(case when figures.group_small = 1 then null else figures.people end as {{ dbt.type_bigint() }}) as people,
    cast({{ suppressed_value('figures.users', 'marks.suppressed_mark') }} as {{ dbt.type_bigint() }}) as users,
    cast({{ suppressed_value('figures.share_using', 'marks.suppressed_mark') }} as {{ type_double() }}) as share_using,
    cast({{ suppressed_value('figures.mean_cost_per_person', 'marks.suppressed_mark') }} as {{ type_double() }})
        as mean_cost_per_person,
    cast({{ suppressed_value('figures.mean_cost_per_user', 'marks.suppressed_mark') }} as {{ type_double() }})
        as mean_cost_per_user,
    cast({{ suppressed_value('figures.median_cost_per_user', 'marks.suppressed_mark') }} as {{ type_double() }})
        as median_cost_per_user,
    {{ as_flag('marks.suppressed_mark = 1') }} as is_suppressed
from figures
inner join marks
    on marks.level = figures.level
    and marks.window_months = figures.window_months
    and marks.cohort_group = figures.cohort_group
    and {{ pathways_same_service('marks', 'figures') }}
