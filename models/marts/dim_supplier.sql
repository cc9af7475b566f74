-- One row per supplier the files name (int_suppliers merges the spellings of a name):
-- how many spellings, services, records and clients, and the dates its records cover.
with suppliers as (

    select supplier, count(*) as spellings
    from {{ ref('int_suppliers') }}
    group by supplier

),

uses as (

    select
        supplier,
        count(distinct service) as service_count,
        count(*) as record_count,
        count(distinct client_id) as client_count,
        min(start_date) as first_start_date,
        max(end_date) as last_end_date
    from {{ ref('fct_service_use') }}
    where supplier is not null
    group by supplier

)

select
    suppliers.supplier,
    suppliers.spellings,
    coalesce(uses.service_count, 0) as service_count,
    coalesce(uses.record_count, 0) as record_count,
    coalesce(uses.client_count, 0) as client_count,
    uses.first_start_date,
    uses.last_end_date
from suppliers
left join uses on uses.supplier = suppliers.supplier
