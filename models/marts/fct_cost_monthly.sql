-- Cost per client, service, service type and calendar month (month = first
-- day), unrounded: int_cost_monthly (which keeps it between builds and costs
-- only what changed; docs/scale.md, "Incremental builds") without its
-- bookkeeping column. DuckDB: a view (publishing copies it into the
-- published file as a table, docs/warehouse.md); the other engines build the
-- marts in a fresh schema that is swapped in whole, so there it is a table.
{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}

select
    client_id,
    service,
    service_type,
    month,
    cost
from {{ ref('int_cost_monthly') }}
