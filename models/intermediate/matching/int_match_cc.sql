{#-
  Connected components of the link graph (int_match_edges): (node, label),
  label = the smallest profile of the node's component.

  materialized='fixed_point' (macros/matching/materialization_fixed_point.sql)
  builds round 0 (match_cc_start: every profile labelled by itself) and then
  repeats this model's SQL, one round of min-label propagation with pointer
  jumping (match_cc_round), each round a table of its own read here as
  {{ this }}, until a round changes nothing. The pre-hook drops the tables
  of the round models this replaced (match_drop_old_round_tables).
-#}
{{ config(materialized='fixed_point', fixed_point_start='match_cc_start',
          pre_hook="{{ match_drop_old_round_tables() }}") }}

{{ match_cc_round(this) }}
