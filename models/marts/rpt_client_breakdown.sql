-- Clients and their whole-history spend broken down by age band, number of
-- services used and each status flag (one row per breakdown and category).
-- Small numbers suppressed (docs/disclosure.md): each breakdown's categories
-- add up to all clients, so a category of fewer clients than the disclosure
-- threshold takes the next smallest with it; suppressed rows have NULL counts
-- and costs and is_suppressed true.
with clients as (

    select * from {{ ref('rpt_spend_by_client') }}

),

categorised as (

    select 'age_band' as breakdown, age_band as category, client_id, total_cost from clients
    union all
    select
        'service_count' as breakdown,
        cast(service_count as {{ dbt.type_string() }}) as category,
        client_id,
        total_cost
    from clients
    {%- for flag in ['ever_temporary_accommodation', 'in_troubled_families', 'housing_benefit_switch'] %}
    union all
    select
        '{{ flag }}' as breakdown,
        case when {{ flag }} then 'yes' else 'no' end as category,
        client_id,
        total_cost
    from clients
    {%- endfor %}

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

),

figures as (

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

),

marked as (

    {{ small_number_suppression(
        'figures',
        keep=['breakdown', 'category', 'client_count', 'total_cost', 'mean_cost_per_client',
              'median_cost_per_client'],
        counts=['client_count'],
        line_by=['breakdown'],
        tie_break=['category']) }}

)

select
    breakdown,
    category,
    {{ suppressed_value('client_count') }} as client_count,
    {{ suppressed_value('total_cost') }} as total_cost,
    {{ suppressed_value('mean_cost_per_client') }} as mean_cost_per_client,
    {{ suppressed_value('median_cost_per_client') }} as median_cost_per_client,
    {{ as_flag('suppressed_mark = 1') }} as is_suppressed
from marked
