-- Calendar months from January 1900 to December 2199: month_start, month_end.
with spine as (

    {{ dbt.date_spine('month', "cast('1900-01-01' as date)", "cast('2200-01-01' as date)") }}

)

select
    cast(date_month as date) as month_start,
    cast({{ dbt.last_day('date_month', 'month') }} as date) as month_end
from spine
