{#- Constrained rebuild, round 5 (macros/matching/match_clustering.sql). -#}
{{ match_merge_round('int_match_merge_04') }}
