{#- Constrained rebuild, round 10 (macros/matching/match_clustering.sql). -#}
{{ match_merge_round('int_match_merge_09') }}
