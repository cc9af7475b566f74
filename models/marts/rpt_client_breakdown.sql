-- Clients and their whole-history spend broken down by age band, number of
-- services used and each status flag (one row per breakdown and category).
with clients as (

    select * from {{ ref('rpt_spend_by_client') }}

),

categorised as (

    select 'age_band' as breakdown, age_band as category, client_id, total_cost from clients
    union all
    select 'service_count', cast(service_count as {{ dbt.type_string() }}), client_id, total_cost from clients
    union all
    select
        'ever_temporary_accommodation',
        case when ever_temporary_accommodation then 'yes' else 'no' end,
        client_id,
        total_cost
    from clients
    union all
    select 'in_troubled_families', case when in_troubled_families then 'yes' else 'no' end, client_id, total_cost
    from clients
    union all
    select 'housing_benefit_switch', case when housing_benefit_switch then 'yes' else 'no' end, client_id, total_cost
    from clients

),

medians as (

    {{ group_median('categorised', ['breakdown', 'category'], 'total_cost') }}

),

per_category as (

    select
        breakdown,
        category,
        count(*) as client_count,
        sum(total_cost) as total_cost,
        avg(total_cost) as mean_cost_per_client
    from categorised
    group by breakdown, category

)

select
    per_category.breakdown,
    per_category.category,
    per_category.client_count,
    per_category.total_cost,
    per_category.mean_cost_per_client,
    medians.median_value as median_cost_per_client
from per_category
inner join medians
    on medians.breakdown = per_category.breakdown
    and medians.category = per_category.category
