{#- Connected components, round 0: every linked profile labelled by itself. -#}
select a as node, a as label from {{ ref('int_match_edges') }}
union
select b as node, b as label from {{ ref('int_match_edges') }}
