{#-
  One row per build: how much matching compared, beside the weights it used.
  Append-only (a history across builds, never rebuilt): the comparison count
  shows at a glance when a file's values brought a surge of comparisons, and
  skipped_values / skipped_comparisons what the skew bound left out
  (docs/matching.md "Skew").
-#}
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with pairs as (
    select count(*) as comparisons, coalesce(sum(is_link), 0) as links from {{ ref('int_match_pairs') }}
),

skipped as (
    select count(*) as skipped_values, coalesce(sum(comparisons), 0) as skipped_comparisons
    from {{ ref('int_match_skipped_blocks') }}
),

profiles as (
    select count(*) as n_profiles, coalesce(sum(n_records), 0) as n_records from {{ ref('int_match_profiles') }}
)

select
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as invocation_id,
    {{ dbt.current_timestamp() }} as built_at,
    cast(profiles.n_records as {{ dbt.type_bigint() }}) as records,
    cast(profiles.n_profiles as {{ dbt.type_bigint() }}) as profiles,
    cast(pairs.comparisons as {{ dbt.type_bigint() }}) as comparisons,
    cast(pairs.links as {{ dbt.type_bigint() }}) as links,
    cast(skipped.skipped_values as {{ dbt.type_bigint() }}) as skipped_values,
    cast(skipped.skipped_comparisons as {{ dbt.type_bigint() }}) as skipped_comparisons,
    cast({{ match_max_block_comparisons() }} as {{ dbt.type_bigint() }}) as max_block_comparisons,
    cast('{{ tojson(match_weights_used(), sort_keys=true) }}' as {{ dbt.type_string() }}) as weights
from pairs
cross join skipped
cross join profiles
