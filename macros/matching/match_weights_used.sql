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
      'reference_agree': 10,
  } -%}
  {%- set used = defaults.copy() -%}
  {%- do used.update(var('match_weights', {})) -%}
  {{- return(used) -}}
{%- endmacro %}
