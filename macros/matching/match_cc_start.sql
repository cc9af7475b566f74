{#- Connected components, round 0: every linked profile labelled by itself.
    Output: (node, label). The start of int_match_cc. -#}
{% macro match_cc_start() -%}
  {{ return(adapter.dispatch('match_cc_start', 'costcalc')()) }}
{%- endmacro %}

{% macro default__match_cc_start() -%}
select a as node, a as label from {{ ref('int_match_edges') }}
union
select b as node, b as label from {{ ref('int_match_edges') }}
{%- endmacro %}
