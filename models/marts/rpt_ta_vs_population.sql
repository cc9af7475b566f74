-- For each service and service type: clients ever in temporary accommodation
-- versus all other clients - share of the group using it, and the mean and
-- median whole-history cost per user.
--
-- Small numbers suppressed (docs/disclosure.md). The table is two-way: a
-- service's two groups add up to its row of rpt_spend_by_service, a group's
-- services to its total in rpt_client_breakdown. So a service is suppressed
-- whole (both groups: NULL figures, is_suppressed true) when either group has
-- 1 to threshold - 1 users (a true 0 is shown), when rpt_spend_by_service
-- suppressed it, or when either group has fewer clients than the threshold; and
-- further services, fewest users first, until the suppressed ones are at
-- least two covering the threshold in each group. The group sizes are NULL
-- when either group is smaller than the threshold.
with clients as (

    select
        client_id,
        case
            when ever_temporary_accommodation then 'Ever in temporary accommodation'
            else 'All other clients'
        end as client_group
    from {{ ref('dim_client') }}

),

group_sizes as (

    select client_group, count(*) as clients_in_group
    from clients
    group by client_group

),

users as (

    select distinct client_id, service, service_type
    from {{ ref('fct_service_use') }}

),

spend as (

    select client_id, service, service_type, sum(cost) as cost
    from {{ ref('fct_cost_monthly') }}
    group by client_id, service, service_type

),

user_costs as (

    select
        clients.client_group,
        users.service,
        users.service_type,
        users.client_id,
        coalesce(spend.cost, 0) as cost
    from users
    inner join clients on clients.client_id = users.client_id
    left join spend
        on spend.client_id = users.client_id
        and spend.service = users.service
        and spend.service_type = users.service_type

),

per_group as (

    select
        client_group,
        service,
        service_type,
        count(*) as users,
        sum(cost) as total_cost,
        avg(cost) as mean_cost_per_user
    from user_costs
    group by client_group, service, service_type

),

medians as (

    {{ group_median('user_costs', ['client_group', 'service', 'service_type'], 'cost') }}

),

service_types as (

    select distinct service, service_type from users

),

figures as (

    select
        service_types.service,
        service_types.service_type,
        group_sizes.client_group,
        group_sizes.clients_in_group,
        coalesce(per_group.users, 0) as users,
        cast(coalesce(per_group.users, 0) as {{ type_double() }}) / group_sizes.clients_in_group as share_using,
        coalesce(per_group.total_cost, 0) as total_cost,
        per_group.mean_cost_per_user,
        medians.median_value as median_cost_per_user
    from service_types
    cross join group_sizes
    left join per_group
        on per_group.service = service_types.service
        and per_group.service_type = service_types.service_type
        and per_group.client_group = group_sizes.client_group
    left join medians
        on medians.service = service_types.service
        and medians.service_type = service_types.service_type
        and medians.client_group = group_sizes.client_group

),

sizes as (

    select max(case when {{ is_small_count('clients_in_group') }} then 1 else 0 end) as sizes_suppressed
    from group_sizes

),

-- one row per service: its users in each group, whether rpt_spend_by_service
-- suppressed it (its client_count is NULL only then), and whether a group is too
-- small to show at all
pairs as (

    select
        figures.service,
        figures.service_type,
        sum(case when figures.client_group = 'Ever in temporary accommodation' then figures.users else 0 end)
            as ta_users,
        sum(case when figures.client_group = 'All other clients' then figures.users else 0 end) as other_users,
        max(case when spend.service is not null and spend.client_count is null then 1 else 0 end)
            as spend_suppressed,
        max(sizes.sizes_suppressed) as sizes_suppressed
    from figures
    cross join sizes
    left join {{ ref('rpt_spend_by_service') }} as spend
        on spend.service = figures.service
        and (
            spend.service_type = figures.service_type
            or (spend.service_type is null and figures.service_type is null)
        )
    group by figures.service, figures.service_type

),

marked as (

    {{ small_number_suppression(
        'pairs',
        keep=['service', 'service_type', 'ta_users', 'other_users', 'spend_suppressed', 'sizes_suppressed'],
        counts=['ta_users', 'other_users'],
        tie_break=['service', 'service_type'],
        forced='spend_suppressed = 1 or sizes_suppressed = 1') }}

)

select
    figures.service,
    figures.service_type,
    figures.client_group,
    case when sizes.sizes_suppressed = 1 then null else figures.clients_in_group end as clients_in_group,
    {{ suppressed_value('figures.users', 'marked.suppressed_mark') }} as users,
    {{ suppressed_value('figures.share_using', 'marked.suppressed_mark') }} as share_using,
    {{ suppressed_value('figures.total_cost', 'marked.suppressed_mark') }} as total_cost,
    {{ suppressed_value('figures.mean_cost_per_user', 'marked.suppressed_mark') }} as mean_cost_per_user,
    {{ suppressed_value('figures.median_cost_per_user', 'marked.suppressed_mark') }} as median_cost_per_user,
    {{ as_flag('marked.suppressed_mark = 1') }} as is_suppressed
from figures
cross join sizes
inner join marked
    on marked.service = figures.service
    and (
        marked.service_type = figures.service_type
        or (marked.service_type is null and figures.service_type is null)
    )
