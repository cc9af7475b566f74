-- Cost per household, service, service type and calendar month (month = first
-- day), unrounded: int_household_cost_monthly (which keeps it between builds
-- and costs only the households whose members' costs or memberships changed;
-- docs/scale.md, "Incremental builds") without its bookkeeping columns. As
-- fct_cost_monthly: on DuckDB a view (publishing copies it into the published
-- file as a table); the other engines build the marts in a fresh schema that
-- is swapped in whole, so there it is a table.
{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}

select
    household_id,
    service,
    service_type,
    month,
    cost
from {{ ref('int_household_cost_monthly') }}
