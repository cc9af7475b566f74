{#-
  Append-only: every build's matching weights (int_match_weight_estimates),
  with the build's invocation id and time, so a change in the weights from one
  build to the next is visible in the warehouse (docs/matching.md "Weights
  estimated from the data"). Never rebuilt, as int_match_build_log.
-#}
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

select
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as invocation_id,
    {{ dbt.current_timestamp() }} as built_at,
    e.name, e.field, e.level, e.m, e.u, e.weight, e.fixed_weight, e.estimated_weight, e.source, e.pairs, e.note
from {{ ref('int_match_weight_estimates') }} as e
