{#-
  Each household episode with the first episode of its household (node,
  label): a chain of moves (int_household_moves: A -> B -> C) is one
  household, labelled by its first home's episode. Each episode carries on at
  most one, and is carried on by at most one, so the moves make chains.

  materialized='fixed_point' (macros/matching/materialization_fixed_point.sql):
  round 0 (household_lineage_start) labels each episode with the one it
  carries on; each round then takes the label's label (pointer jumping) until
  nothing changes.
-#}
-- depends_on: {{ ref('int_household_episodes') }}
-- depends_on: {{ ref('int_household_moves') }}
{{ config(materialized='fixed_point', fixed_point_start='household_lineage_start') }}

select
    prev.node,
    coalesce(up.label, prev.label) as label
from {{ this }} as prev
left join {{ this }} as up on up.node = prev.label
