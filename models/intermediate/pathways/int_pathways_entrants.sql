-- The TA entrants of the pathways cohorts (docs/pathways.md): one row per
-- entry (int_pathways_entries) and look-back window. Its window is the
-- window_months calendar months before the month of entry; when that begins
-- before the start of the data (the month of the earliest service-use record,
-- or var pathways_data_start) its history is truncated: window_complete 0.
-- Read by fct_pathways_cohort, and by the comparison clients kept between
-- builds (int_pathways_client_inputs, int_pathways_client_months), whose
-- reference months are these entrants' entry months.
{%- set data_start = var('pathways_data_start', none) %}
{%- if data_start is not none and not modules.re.match('^[0-9]{4}-[0-9]{2}-01$', data_start | string) %}
    {{ exceptions.raise_compiler_error("var pathways_data_start must be the first day of a month, yyyy-mm-01, not " ~ data_start) }}
{%- endif %}
with windows as (

    {{ pathways_windows() }}

),

earliest as (

    -- the earliest start of a service-use record within the month spine
    select min(uses.start_date) as first_day
    from {{ ref('fct_service_use') }} as uses
    where
        uses.start_date >= (select min(spine.month_start) from {{ ref('int_months') }} as spine)
        and uses.start_date <= (select max(spine.month_end) from {{ ref('int_months') }} as spine)

),

data_start as (

    {%- if data_start is not none %}
    select cast('{{ data_start }}' as date) as first_month
    {%- else %}
    -- the month of the earliest service-use record in the warehouse: the month holding the
    -- earliest start, one day joined to the spine, not every record (1.8 s at 300k rows)
    select min(months.month_start) as first_month
    from {{ ref('int_months') }} as months
    inner join earliest on earliest.first_day between months.month_start and months.month_end
    {%- endif %}

)

select
    entries.level,
    windows.window_months,
    entries.unit_id,
    entries.entry_date,
    entries.entry_month as reference_month,
    cast({{ dbt.dateadd('month', '-1 * windows.window_months', 'entries.entry_month') }} as date) as window_from,
    cast({{ dbt.dateadd('day', -1, 'entries.entry_month') }} as date) as window_to,
    case
        when
            cast({{ dbt.dateadd('month', '-1 * windows.window_months', 'entries.entry_month') }} as date)
            >= data_start.first_month
            then 1
        else 0
    end as window_complete
from {{ ref('int_pathways_entries') }} as entries
cross join windows
cross join data_start
