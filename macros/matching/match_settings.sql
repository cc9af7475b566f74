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

{#- Every weight as this build uses it (defaults, then the var's overrides):
    also recorded per build in int_match_build_log. -#}
{% macro match_weights_used() -%}
  {%- set defaults = {
      'threshold': 20,
      'nhs_agree': 15, 'ni_agree': 15,
      'sn_m': 0.9, 'sn_exact_min': 6, 'sn_exact_max': 12,
      'sn_part': 6, 'sn_fuzzy': 5, 'sn_different': -5,
      'fn_m': 0.85, 'fn_exact_min': 4, 'fn_exact_max': 9,
      'fn_nickname': 5, 'fn_fuzzy': 4, 'fn_initial': 2.5, 'fn_different': -14,
      'dob_exact': 13, 'dob_swapped': 7, 'dob_one_digit': 6, 'dob_different': -12,
      'pc_m': 0.7, 'pc_exact_min': 2, 'pc_exact_max': 9, 'pc_sector': 1, 'pc_different': -1.5,
  } -%}
  {%- set used = defaults.copy() -%}
  {%- do used.update(var('match_weights', {})) -%}
  {{- return(used) -}}
{%- endmacro %}

{#- A term-frequency weight log2(m / tf), clamped to [lo, hi]. -#}
{% macro match_tf_weight(tf_expr, m, lo, hi) -%}
  case when {{ match_log2(m ~ ' / ' ~ tf_expr) }} < {{ lo }} then {{ lo }}
       when {{ match_log2(m ~ ' / ' ~ tf_expr) }} > {{ hi }} then {{ hi }}
       else {{ match_log2(m ~ ' / ' ~ tf_expr) }} end
{%- endmacro %}

{#- The blocking rules: pairs of identity profiles are compared only when
    they agree on all the columns of at least one rule (columns of
    int_match_profiles; a NULL, such as a placeholder, never agrees). A value of
    a rule shared by so many profiles that it would bring more than
    var('match_max_block_comparisons') pairs is left out (int_match_block_keys). -#}
{% macro match_blocking_rules() -%}
  {{ return([
      {'name': 'NHS number', 'columns': ['nhs']},
      {'name': 'NI number', 'columns': ['ni']},
      {'name': 'date of birth + first three letters of surname', 'columns': ['dob', 'sn_prefix']},
      {'name': 'date of birth + postcode', 'columns': ['dob', 'pc']},
      {'name': 'date of birth + first name', 'columns': ['dob', 'fn_canon']},
      {'name': 'date of birth + last part of surname', 'columns': ['dob', 'sn_last']},
      {'name': 'surname + first name + birth year', 'columns': ['sn', 'fn_canon', 'dob_year']},
      {'name': 'surname + postcode + first initial', 'columns': ['sn', 'pc', 'fn_initial']},
  ]) }}
{%- endmacro %}
