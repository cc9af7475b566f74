-- Calendar months from January 1900 to December 2199: month_start, month_end.
-- (macros/portable/month_spine.sql: a spine of numbers, so no engine needs an introspective query.)
with spine as (

    {{ month_spine('1900-01-01', 3600) }}

)

select
    month_start,
    cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end
from spine
