{#-
  Cost per client, service, service type and calendar month (month = first
  day), with the fingerprint of the inputs it was computed from
  (int_cost_inputs): the state of marts.fct_cost_monthly kept between builds.
  Each record is spread over the months it overlaps; a one-off falls in the
  month of its start day, an Intermittent (per Financial Year) record in the
  months holding its first day in each financial year. Unrounded.

  Incremental (docs/scale.md, "Incremental builds"): the pre-hook deletes the
  rows of every client whose fingerprint changed or who is gone; the model
  then costs only the clients that have no rows (new or changed) and appends
  them. A client's rows depend on nothing but their own service-use rows and
  the costing rules, so the table is always what a full build would make.
  The state lives in the intermediate schema, which every engine keeps
  between builds (the marts are built in a fresh schema on PostgreSQL, SQL
  Server and Spark). Spark's parquet tables cannot delete rows: there it is a
  table, built in full. `costcalc build --full-refresh` rebuilds it in full.
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_changed(this, 'int_cost_inputs') }}"
) }}
-- depends_on: {{ ref('int_cost_inputs') }}

with inputs as (

    select client_id, inputs_hash, inputs_signature from {{ ref('int_cost_inputs') }}

),

uses as (

    -- only the columns costing reads: every row is repeated once per month it spans
    select
        service_use.client_id,
        service_use.service,
        service_use.service_type,
        service_use.start_date,
        service_use.end_date,
        service_use.unit_cost,
        service_use.frequency,
        service_use.one_off_cost,
        inputs.inputs_hash,
        inputs.inputs_signature,
        -- a client's only record of a service and type needs no sum: its months are distinct
        count(*) over (
            partition by service_use.client_id, service_use.service, service_use.service_type
        ) as records_of_service
    from {{ ref('fct_service_use') }} as service_use
    left join inputs on inputs.client_id = service_use.client_id
    where
        service_use.unit_cost is not null
        {% if is_incremental() -%}
        -- only the clients with no stored rows: new or changed (the pre-hook deleted theirs)
        and inputs.client_id is not null
        and not exists (
            select 1 from {{ this }} as stored
            where stored.client_id = inputs.client_id
        )
        {%- endif %}

),

months as (

    select * from {{ ref('int_months') }}

),

spread as (

-- each record once per calendar month it overlaps (macros/costing/spread_over_months.sql)
    {{ spread_over_months('uses', 'months',
                          'case when uses.one_off_cost is not null then uses.start_date else uses.end_date end') }}

),

costed as (

    select
        spread.client_id,
        spread.service,
        spread.service_type,
        spread.month_start as month,
        spread.inputs_hash,
        spread.inputs_signature,
        spread.records_of_service,
        {{ period_cost('spread.start_date', 'spread.end_date', 'spread.unit_cost', 'spread.frequency',
                       'spread.month_start', 'spread.month_end') }} as cost
    from spread
    where
        not {{ is_per_financial_year('spread.frequency') }}
        or {{ financial_year_starts('spread.start_date', 'spread.end_date',
                                    'spread.month_start', 'spread.month_end') }} > 0

),

summed as (

    -- only a client's services and types with several records: most have one, and summing
    -- every month row (tens of millions at scale) was the largest part of the build
    -- (docs/scale.md, "Full build from 1M to 3M rows")
    select
        client_id,
        service,
        service_type,
        month,
        sum(cost) as cost
    from costed
    where records_of_service > 1
    group by client_id, service, service_type, month

),

monthly as (

    select client_id, service, service_type, month, cost, inputs_hash, inputs_signature
    from costed
    where records_of_service = 1

    union all

    -- the fingerprint joins after the sum, so the months are grouped on the contract's keys alone
    select
        summed.client_id,
        summed.service,
        summed.service_type,
        summed.month,
        summed.cost,
        inputs.inputs_hash,
        inputs.inputs_signature
    from summed
    left join inputs on inputs.client_id = summed.client_id

)

select
    client_id,
    service,
    service_type,
    month,
    cost,
    inputs_hash,
    -- the number the pre-hook compares (macros/incremental/inputs_signature.sql)
    inputs_signature,
    -- which build costed these rows (dbt's invocation id): rows an incremental build left alone keep an earlier one
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as costed_by_invocation
from monthly
