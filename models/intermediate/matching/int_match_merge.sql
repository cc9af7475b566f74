{#-
  The constrained rebuild of the components that must be split
  (int_match_components.is_constrained = 1): (node, label) for their
  profiles, label = the smallest profile of the node's cluster.

  materialized='fixed_point' (macros/matching/materialization_fixed_point.sql)
  builds round 0 (match_merge_start: each profile on its own) and then
  repeats this model's SQL, one round of "each cluster picks its best
  compatible link; two clusters that picked each other merge"
  (match_merge_round), each round a table of its own read here as
  {{ this }}, until a round changes nothing.
-#}
{{ config(materialized='fixed_point', fixed_point_start='match_merge_start') }}

{{ match_merge_round(this) }}
