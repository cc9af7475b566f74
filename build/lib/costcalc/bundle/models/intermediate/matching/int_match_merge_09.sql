{#- Constrained rebuild, round 9 (macros/matching/match_clustering.sql). -#}
{{ match_merge_round('int_match_merge_08') }}
