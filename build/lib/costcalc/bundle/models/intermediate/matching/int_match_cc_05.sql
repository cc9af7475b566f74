{#- Connected components, round 5 (macros/matching/match_clustering.sql). -#}
{{ match_cc_round('int_match_cc_04') }}
