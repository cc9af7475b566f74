-- One row per day from 1950-01-01 (the earliest service date the loader accepts,
-- schemas/limits.yaml) to 2099-12-31: the time spine dbt's semantic layer
-- (MetricFlow) joins time to (models/marts/_semantic_models.yml, docs/warehouse.md).
with months as (

    select
        month_start,
        month_end
    from {{ ref('int_months') }}
    where
        month_start >= cast('1950-01-01' as date)
        and month_start < cast('2100-01-01' as date)

),

day_numbers as (

    {{ integers(31) }}

),

days as (

    select
        months.month_end,
        cast({{ dbt.dateadd('day', 'day_numbers.n', 'months.month_start') }} as date) as date_day
    from months
    cross join day_numbers

)

select date_day
from days
where date_day <= month_end
