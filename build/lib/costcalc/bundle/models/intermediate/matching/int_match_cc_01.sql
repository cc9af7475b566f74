{#- Connected components, round 1 (macros/matching/match_clustering.sql). -#}
{{ match_cc_round('int_match_cc_00') }}
