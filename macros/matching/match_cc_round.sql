{#- One round of connected components (int_match_cc): min-label propagation
    (a node takes the smallest label among itself and its neighbours), then
    pointer jumping (a node takes its new label's new label when smaller).
    previous: the relation holding the round before, (node, label).
    Output: (node, label). At the fixed point every node is labelled with the
    smallest node of its component. -#}
{% macro match_cc_round(previous) -%}
  {{ return(adapter.dispatch('match_cc_round', 'costcalc')(previous)) }}
{%- endmacro %}

{% macro default__match_cc_round(previous) -%}
with prev as (
    select node, label from {{ previous }}
),

edges as (
    select a as src, b as dst from {{ ref('int_match_edges') }}
    union all
    select b as src, a as dst from {{ ref('int_match_edges') }}
),

m as (
    select node, min(label) as label
    from (
        select node, label from prev
        union all
        select e.src as node, p.label from edges e join prev p on p.node = e.dst
    ) x
    group by node
)

select m.node, case when j.label < m.label then j.label else m.label end as label
from m
left join m j on j.node = m.label
{%- endmacro %}
