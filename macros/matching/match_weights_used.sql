{#- Every weight as this build uses it: today's fixed weights
    (match_weights_fixed), replaced by this build's estimates where
    int_match_weight_estimates holds them (estimated from the data, or reused,
    or the fixed fallback: docs/matching.md "Weights estimated from the data"),
    then by the var match_weights (pinned by hand). Also recorded per build in
    int_match_build_log and int_match_weight_history. -#}
{% macro match_weights_used() -%}
  {%- set used = match_weights_fixed().copy() -%}
  {%- set estimates = ref('int_match_weight_estimates') -%}
  {%- if execute and load_relation(estimates) is not none -%}
    {%- set rows = run_query('select name, weight from ' ~ estimates ~ ' where weight is not null') -%}
    {%- for row in rows -%}
      {%- do used.update({row[0]: row[1] | float}) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- do used.update(var('match_weights', {})) -%}
  {{- return(used) -}}
{%- endmacro %}
