{#-
  Clusters of identity records: one cluster per person.

  1. Connected components of the link graph (int_match_links) by min-label
     propagation with pointer jumping, in a fixed number of rounds
     (var match_cc_rounds).
  2. Components that would hold two different valid NHS numbers, two
     different valid NI numbers, two records a manual decision says are not
     the same person, or two profiles int_match_pairs keeps apart (is_apart:
     different first names and no shared NHS/NI number, e.g. twins) are
     rebuilt under those constraints: links are taken in descending score
     order (Kruskal) and a link that would join clusters that must stay apart
     is cut. In SQL this runs in rounds (var match_merge_rounds): each
     cluster picks its best compatible link and two clusters merge when they
     picked each other, the order Kruskal's algorithm takes them in. Manual
     links come first and are exempt from the NHS/NI constraint (a person
     decided), not from unlinks.

  cluster_key is the smallest record key in the cluster.
-#}
{{ config(materialized='table') }}
{%- set cc_rounds = var('match_cc_rounds', 12) -%}
{%- set merge_rounds = var('match_merge_rounds', 24) -%}
{%- set manual_score = 1000000 -%}

with nodes as (
    select profile_key as node, nhs, ni from {{ ref('int_match_profiles') }}
),

links as (
    select pk_a as a, pk_b as b,
           max(case when is_manual then {{ manual_score }} else score end) as score
    from {{ ref('int_match_links') }}
    group by pk_a, pk_b
),

cannot as (
    select ra.profile_key as a, rb.profile_key as b
    from {{ ref('int_match_decisions') }} d
    join {{ ref('int_match_records') }} ra on ra.record_key = d.record_key_a
    join {{ ref('int_match_records') }} rb on rb.record_key = d.record_key_b
    where d.decision = 'unlink'
    union all
    select pk_a as a, pk_b as b
    from {{ ref('int_match_pairs') }}
    where is_apart
),

edges as (
    select a as src, b as dst from links
    union all
    select b as src, a as dst from links
),

l0 as (
    select distinct src as node, src as label from edges
),

{%- for i in range(1, cc_rounds + 1) %}

m{{ i }} as (
    select node, min(label) as label
    from (
        select node, label from l{{ i - 1 }}
        union all
        select e.src as node, l.label from edges e join l{{ i - 1 }} l on l.node = e.dst
    ) x
    group by node
),

l{{ i }} as (
    select m.node, case when j.label < m.label then j.label else m.label end as label
    from m{{ i }} m
    left join m{{ i }} j on j.node = m.label
),
{%- endfor %}

cc as (
    select node, label from l{{ cc_rounds }}
),

constrained_components as (
    select cc.label
    from cc join nodes n on n.node = cc.node
    group by cc.label
    having count(distinct n.nhs) > 1 or count(distinct n.ni) > 1
    union
    select ca.label
    from cannot c
    join cc ca on ca.node = c.a
    join cc cb on cb.node = c.b
    where ca.label = cb.label
),

h_nodes as (
    select cc.node, n.nhs, n.ni
    from cc
    join constrained_components k on k.label = cc.label
    join nodes n on n.node = cc.node
),

h_links as (
    select l.a, l.b, l.score
    from links l
    join h_nodes h on h.node = l.a
),

k0 as (
    select node, node as label from h_nodes
),

{%- for i in range(1, merge_rounds + 1) %}

attrs{{ i }} as (
    select k.label,
           min(h.nhs) as nhs_min, max(h.nhs) as nhs_max,
           min(h.ni) as ni_min, max(h.ni) as ni_max
    from k{{ i - 1 }} k join h_nodes h on h.node = k.node
    group by k.label
),

ce{{ i }} as (
    select
        case when ka.label < kb.label then ka.label else kb.label end as c1,
        case when ka.label < kb.label then kb.label else ka.label end as c2,
        max(l.score) as score
    from h_links l
    join k{{ i - 1 }} ka on ka.node = l.a
    join k{{ i - 1 }} kb on kb.node = l.b
    where ka.label <> kb.label
    group by
        case when ka.label < kb.label then ka.label else kb.label end,
        case when ka.label < kb.label then kb.label else ka.label end
),

apart{{ i }} as (
    select distinct
        case when ka.label < kb.label then ka.label else kb.label end as c1,
        case when ka.label < kb.label then kb.label else ka.label end as c2
    from cannot c
    join k{{ i - 1 }} ka on ka.node = c.a
    join k{{ i - 1 }} kb on kb.node = c.b
),

ok{{ i }} as (
    select e.c1, e.c2, e.score
    from ce{{ i }} e
    join attrs{{ i }} x on x.label = e.c1
    join attrs{{ i }} y on y.label = e.c2
    left join apart{{ i }} ap on ap.c1 = e.c1 and ap.c2 = e.c2
    where ap.c1 is null
      and (e.score >= {{ manual_score }} or (
            (x.nhs_min is null or y.nhs_min is null or (x.nhs_min = y.nhs_min and x.nhs_max = y.nhs_max))
        and (x.ni_min is null or y.ni_min is null or (x.ni_min = y.ni_min and x.ni_max = y.ni_max))))
),

best{{ i }} as (
    select c, o
    from (
        select c, o, row_number() over (partition by c order by score desc, o) as rn
        from (
            select c1 as c, c2 as o, score from ok{{ i }}
            union all
            select c2 as c, c1 as o, score from ok{{ i }}
        ) both_ways
    ) ranked
    where rn = 1
),

merge{{ i }} as (
    select b1.c as keep_label, b1.o as drop_label
    from best{{ i }} b1
    join best{{ i }} b2 on b2.c = b1.o and b2.o = b1.c
    where b1.c < b1.o
),

k{{ i }} as (
    select k.node, coalesce(m.keep_label, k.label) as label
    from k{{ i - 1 }} k
    left join merge{{ i }} m on m.drop_label = k.label
),
{%- endfor %}

profile_labels as (
    select cc.node, coalesce(k.label, cc.label) as label
    from cc
    left join k{{ merge_rounds }} k on k.node = cc.node
)

select
    r.record_key,
    r.profile_key,
    coalesce(pl.label, r.profile_key) as cluster_label,
    min(r.record_key) over (partition by coalesce(pl.label, r.profile_key)) as cluster_key
from {{ ref('int_match_records') }} r
left join profile_labels pl on pl.node = r.profile_key
