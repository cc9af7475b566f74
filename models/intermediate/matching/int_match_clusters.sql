{#-
  Clusters of identity records: one cluster per person.

  1. Connected components of the link graph (int_match_edges) by min-label
     propagation with pointer jumping, in rounds until nothing changes
     (int_match_cc).
  2. Components that would hold two different valid NHS numbers, two
     different valid NI numbers, two records a manual decision says are not
     the same person, or two profiles int_match_pairs keeps apart (is_apart:
     different first names and no shared NHS/NI number, e.g. twins) are
     rebuilt under those constraints (int_match_components): links are taken
     in descending score order (Kruskal) and a link that would join clusters
     that must stay apart is cut. In SQL this runs in rounds until nothing
     changes (int_match_merge): each cluster picks its best compatible link
     and two clusters merge when they picked each other, the order Kruskal's
     algorithm takes them in. Manual links come first and are exempt from
     the automatic constraints (a person decided), not from manual unlinks.

  Both phases are materialized='fixed_point' (docs/matching.md): the build
  fails, naming the model, if one needs more rounds than the dbt var
  match_max_rounds allows.

  cluster_key names the cluster by the source row of it seen first (load
  order, Excel row, record key), so new clients are numbered in the order
  their rows arrived.
-#}

with components as (
    select node, label, is_constrained from {{ ref('int_match_components') }}
),

merged as (
    select node, label from {{ ref('int_match_merge') }}
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
    coalesce(pl.is_constrained, 0) as is_constrained
from {{ ref('int_match_records') }} as r
left join profile_labels as pl on pl.node = r.profile_key
