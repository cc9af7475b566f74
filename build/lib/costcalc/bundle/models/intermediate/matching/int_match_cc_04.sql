{#- Connected components, round 4 (macros/matching/match_clustering.sql). -#}
{{ match_cc_round('int_match_cc_03') }}
