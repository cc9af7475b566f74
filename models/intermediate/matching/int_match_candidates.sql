{#-
  The pairs of identity profiles this build compares: the blocked candidate
  pairs (match_blocked_pairs: skipped blocks left out) and the pairs sharing
  a service reference in one file type (int_match_reference_pairs), each once,
  smaller profile key first. Built in full every build (a join of the
  blocking keys): the skew limit and the references are decided over all
  profiles, so a new profile can take pairs of old ones out (or bring them
  in). int_match_pair_levels compares only those it has not stored.
-#}
{{ config(materialized='table') }}

{{ match_blocked_pairs() }}
-- profiles sharing a service reference in one file type are compared too
union
select pk_a, pk_b from {{ ref('int_match_reference_pairs') }}
