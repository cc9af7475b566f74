{#- Constrained rebuild, round 0: each profile of a constrained component on its own. -#}
select node, node as label
from {{ ref('int_match_components') }}
where is_constrained = 1
