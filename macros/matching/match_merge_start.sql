{#- The constrained rebuild, round 0: each profile of a constrained component
    (int_match_components.is_constrained = 1) on its own. Output: (node, label).
    The start of int_match_merge. -#}
{% macro match_merge_start() -%}
  {{ return(adapter.dispatch('match_merge_start', 'costcalc')()) }}
{%- endmacro %}

{% macro default__match_merge_start() -%}
select node, node as label
from {{ ref('int_match_components') }}
where is_constrained = 1
{%- endmacro %}
