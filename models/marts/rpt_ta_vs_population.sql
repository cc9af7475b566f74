-- For each service and service type: clients ever in temporary accommodation
-- versus all other clients - share of the group using it, and the mean and
-- median whole-history cost per user.
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

)

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
