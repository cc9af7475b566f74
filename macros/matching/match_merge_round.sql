{#- One round of the constrained rebuild (int_match_merge; Kruskal's
    algorithm in rounds): each cluster picks its best link (highest score,
    then smallest label) to a cluster it may join, and two clusters that
    picked each other merge under the smaller label. Clusters may join when
    no pair between them is in int_match_cannot and they hold no two
    different valid NHS numbers nor NI numbers; a manual link (score
    match_manual_score()) may join them despite those, but never despite a
    manual unlink (by_person = 1).
    previous: the relation holding the round before, (node, label).
    Output: (node, label). -#}
{% macro match_merge_round(previous) -%}
  {{ return(adapter.dispatch('match_merge_round', 'costcalc')(previous)) }}
{%- endmacro %}

{% macro default__match_merge_round(previous) -%}
with k as (
    select node, label from {{ previous }}
),

h as (
    select c.node, c.nhs, c.ni
    from {{ ref('int_match_components') }} c
    where c.is_constrained = 1
),

attrs as (
    select k.label,
           min(h.nhs) as nhs_min, max(h.nhs) as nhs_max,
           min(h.ni) as ni_min, max(h.ni) as ni_max
    from k join h on h.node = k.node
    group by k.label
),

ce as (
    select
        case when ka.label < kb.label then ka.label else kb.label end as c1,
        case when ka.label < kb.label then kb.label else ka.label end as c2,
        max(l.score) as score
    from {{ ref('int_match_edges') }} l
    join k ka on ka.node = l.a
    join k kb on kb.node = l.b
    where ka.label <> kb.label
    group by
        case when ka.label < kb.label then ka.label else kb.label end,
        case when ka.label < kb.label then kb.label else ka.label end
),

apart as (
    select
        case when ka.label < kb.label then ka.label else kb.label end as c1,
        case when ka.label < kb.label then kb.label else ka.label end as c2,
        max(c.by_person) as by_person
    from {{ ref('int_match_cannot') }} c
    join k ka on ka.node = c.a
    join k kb on kb.node = c.b
    group by
        case when ka.label < kb.label then ka.label else kb.label end,
        case when ka.label < kb.label then kb.label else ka.label end
),

ok as (
    select e.c1, e.c2, e.score
    from ce e
    join attrs x on x.label = e.c1
    join attrs y on y.label = e.c2
    left join apart ap on ap.c1 = e.c1 and ap.c2 = e.c2
    where (e.score >= {{ match_manual_score() }} and (ap.c1 is null or ap.by_person = 0))
       or (ap.c1 is null
           and (x.nhs_min is null or y.nhs_min is null or (x.nhs_min = y.nhs_min and x.nhs_max = y.nhs_max))
           and (x.ni_min is null or y.ni_min is null or (x.ni_min = y.ni_min and x.ni_max = y.ni_max)))
),

best as (
    select c, o
    from (
        select c, o, row_number() over (partition by c order by score desc, o) as rn
        from (
            select c1 as c, c2 as o, score from ok
            union all
            select c2 as c, c1 as o, score from ok
        ) both_ways
    ) ranked
    where rn = 1
),

merges as (
    select b1.c as keep_label, b1.o as drop_label
    from best b1
    join best b2 on b2.c = b1.o and b2.o = b1.c
    where b1.c < b1.o
)

select k.node, coalesce(mg.keep_label, k.label) as label
from k
left join merges mg on mg.drop_label = k.label
{%- endmacro %}
