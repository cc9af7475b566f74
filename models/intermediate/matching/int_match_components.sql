{#-
  The connected components of the link graph (int_match_cc), and which of
  them must be rebuilt under constraints (int_match_merge): those that would
  hold two different valid NHS numbers, two different valid NI numbers, or a
  pair from int_match_cannot.
-#}
with cc as (
    select node, label from {{ ref('int_match_cc') }}
),

nodes as (
    select profile_key as node, nhs, ni from {{ ref('int_match_profiles') }}
),

constrained as (
    select cc.label
    from cc inner join nodes as n on n.node = cc.node
    group by cc.label
    having count(distinct n.nhs) > 1 or count(distinct n.ni) > 1
    union
    select ca.label
    from {{ ref('int_match_cannot') }} as c
    inner join cc as ca on ca.node = c.a
    inner join cc as cb on cb.node = c.b
    where ca.label = cb.label
)

select
    cc.node,
    cc.label,
    n.nhs,
    n.ni,
    case when k.label is null then 0 else 1 end as is_constrained
from cc
inner join nodes as n on n.node = cc.node
left join constrained as k on k.label = cc.label
