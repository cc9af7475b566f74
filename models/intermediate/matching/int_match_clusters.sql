{#-
  Clusters of identity records: one cluster per person.

  1. Connected components of the link graph (int_match_edges) by min-label
     propagation with pointer jumping: int_match_cc_00 .. int_match_cc_06,
     one model (table) per round.
  2. Components that would hold two different valid NHS numbers, two
     different valid NI numbers, two records a manual decision says are not
     the same person, or two profiles int_match_pairs keeps apart (is_apart:
     different first names and no shared NHS/NI number, e.g. twins) are
     rebuilt under those constraints (int_match_components): links are taken
     in descending score order (Kruskal) and a link that would join clusters
     that must stay apart is cut. In SQL this runs in rounds,
     int_match_merge_00 .. int_match_merge_12: each cluster picks its best
     compatible link and two clusters merge when they picked each other, the
     order Kruskal's algorithm takes them in. Manual links come first and are
     exempt from the automatic constraints (a person decided), not from
     manual unlinks.

  cluster_key names the cluster by the source row of it seen first (load
  order, Excel row, record key), so new clients are numbered in the order
  their rows arrived. rounds_converged (1/0) says both phases reached their
  fixed point within their rounds (tests/dbt/assert_match_clusters_converged.sql
  fails the build otherwise: add a round model, see docs/matching.md).
-#}

with components as (
    select node, label, is_constrained from {{ ref('int_match_components') }}
),

merged as (
    select node, label from {{ ref('int_match_merge_12') }}
),

cc_state as (
    select coalesce(min(cc_converged), 1) as ok from {{ ref('int_match_components') }}
),

merge_changed as (
    select count(*) as n
    from {{ ref('int_match_merge_12') }} as a
    inner join {{ ref('int_match_merge_11') }} as b on b.node = a.node
    where a.label <> b.label
),

profile_labels as (
    select c.node, coalesce(m.label, c.label) as label, c.is_constrained
    from components as c
    left join merged as m on m.node = c.node
)

select
    r.record_key,
    r.profile_key,
    coalesce(pl.label, r.profile_key) as cluster_label,
    min(r.seen_key) over (partition by coalesce(pl.label, r.profile_key)) as cluster_key,
    coalesce(pl.is_constrained, 0) as is_constrained,
    case when cs.ok = 1 and mc.n = 0 then 1 else 0 end as rounds_converged
from {{ ref('int_match_records') }} as r
left join profile_labels as pl on pl.node = r.profile_key
cross join cc_state as cs
cross join merge_changed as mc
