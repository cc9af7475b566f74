{#-
  The connected components of the link graph (after the last round,
  int_match_cc_06), and which of them must be rebuilt under constraints:
  those that would hold two different valid NHS numbers, two different valid
  NI numbers, or a pair from int_match_cannot. cc_converged = 1 when the
  last round changed nothing (so more rounds would change nothing either).
-#}
with cc as (
    select node, label from {{ ref('int_match_cc_06') }}
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
),

changed as (
    select count(*) as n
    from {{ ref('int_match_cc_06') }} as a
    inner join {{ ref('int_match_cc_05') }} as b on b.node = a.node
    where a.label <> b.label
)

select
    cc.node,
    cc.label,
    n.nhs,
    n.ni,
    case when k.label is null then 0 else 1 end as is_constrained,
    case when ch.n = 0 then 1 else 0 end as cc_converged
from cc
inner join nodes as n on n.node = cc.node
left join constrained as k on k.label = cc.label
cross join changed as ch
