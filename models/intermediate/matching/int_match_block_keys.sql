{#-
  The blocking keys: one row per identity profile and blocking rule
  (match_blocking_rules()) whose columns are all present, with the size of
  the rule's block for that value. A value shared by so many profiles that it
  would bring more than match_max_block_comparisons() pairs is skipped
  (is_skipped = 1): such a value is a placeholder or a default, not evidence,
  and comparing its block could exhaust the warehouse's memory.
-#}
{{ config(materialized='table') }}

with p as (
    select * from {{ ref('int_match_profiles') }}
),

keys as (
    {%- for rule in match_blocking_rules() %}
    select {{ loop.index }} as rule_no, profile_key, n_records, {{ match_block_key(rule['columns']) }} as block_key
    from p
    where {{ rule['columns'] | join(' is not null and ') }} is not null
    {% if not loop.last %}union all{% endif %}
    
    {%- endfor %}
),

sized as (
    select
        keys.*,
        cast(count(*) over (partition by keys.rule_no, keys.block_key) as {{ dbt.type_bigint() }}) as block_profiles,
        cast(sum(keys.n_records) over (partition by keys.rule_no, keys.block_key) as {{ dbt.type_bigint() }}) as block_records
    from keys
)

select
    rule_no,
    block_key,
    profile_key,
    block_profiles,
    block_records,
    cast(block_profiles * (block_profiles - 1) / 2 as {{ dbt.type_bigint() }}) as block_comparisons,
    case when block_profiles * (block_profiles - 1) / 2 > {{ match_max_block_comparisons() }} then 1 else 0 end as is_skipped
from sized
