{#- Connected components, round 2 (macros/matching/match_clustering.sql). -#}
{{ match_cc_round('int_match_cc_01') }}
