{#-
  Matching weights: Fellegi-Sunter log2(m/u) weights per field agreement
  level. Today's fixed weights are match_weights_fixed(); each build
  estimates them from its data within bounds (int_match_weight_estimates,
  docs/matching.md "Weights estimated from the data"), falling back to the
  fixed ones; the dbt var `match_weights` (a mapping of name -> number) pins
  any of them, for example `--vars '{match_weights: {threshold: 24}}'`.

  Exact agreement on surname, first name and postcode is weighted by term
  frequency: log2(m / frequency of the value among identity profiles),
  clamped to [min, max], so "SMITH" and a hostel's postcode count for less
  than a rare surname or a family home.
-#}
{% macro match_weight(name, weights=none) -%}
  {{- return((weights if weights is not none else match_weights_used())[name]) -}}
{%- endmacro %}
