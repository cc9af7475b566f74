{#-
  Matching weights: Fellegi-Sunter log2(m/u) weights per field agreement
  level, fixed and documented in docs/matching.md. Override any of them with
  the dbt var `match_weights` (a mapping of name -> number), for example
  `--vars '{match_weights: {threshold: 24}}'`.

  Exact agreement on surname, first name and postcode is weighted by term
  frequency: log2(m / frequency of the value among identity profiles),
  clamped to [min, max], so "SMITH" and a hostel's postcode count for less
  than a rare surname or a family home.
-#}
{% macro match_weight(name) -%}
  {{- return(match_weights_used()[name]) -}}
{%- endmacro %}
