{#- Connected components, round 3 (macros/matching/match_clustering.sql). -#}
{{ match_cc_round('int_match_cc_02') }}
