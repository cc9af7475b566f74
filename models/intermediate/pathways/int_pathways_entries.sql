-- Entries into temporary accommodation (docs/pathways.md): each client's first
-- placement (the earliest start of a record of a schema flagging
-- ever_temporary_accommodation: H01A), and each household's: the household a
-- client lived in on the day of their first placement (the household placed),
-- entering on the earliest such day among its members. One row per unit
-- (level 'client' or 'household').
{%- set ta_codes = costcalc_client_flags()['ever_temporary_accommodation'] %}
with first_placements as (

    select
        client_id,
        min(start_date) as entry_date
    from {{ ref('fct_service_use') }}
    where schema_code in ('{{ ta_codes | join("', '") }}')
    group by client_id

),

placed_with as (

    {{ pathways_household_on('first_placements', 'entry_date', ['client_id', 'entry_date']) }}

),

units as (

    select
        'client' as level,
        client_id as unit_id,
        entry_date
    from first_placements

    union all

    select
        'household' as level,
        household_id as unit_id,
        min(entry_date) as entry_date
    from placed_with
    where household_id is not null
    group by household_id

)

select
    units.level,
    units.unit_id,
    cast(units.entry_date as date) as entry_date,
    months.month_start as entry_month
from units
inner join {{ ref('int_months') }} as months
    on units.entry_date between months.month_start and months.month_end
