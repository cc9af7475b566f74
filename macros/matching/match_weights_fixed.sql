{#- Today's fixed weights (docs/matching.md "Scores"): the starting point and
    the bounds of the estimation, and the fallback where the data are too few
    or too odd to estimate from. `*_m` are the m probabilities of the
    term-frequency weights log2(m / share of profiles with the value).
    A wholly different first name weighs -14 while it is also a conflict
    (var match_first_name_conflict, true: twins kept apart whatever the score);
    with the conflict off it is ordinary evidence, -5 (about log2(0.05 / 0.99)). -#}
{% macro match_weights_fixed() -%}
  {{- return({
      'threshold': 20,
      'nhs_agree': 15, 'ni_agree': 15,
      'sn_m': 0.9, 'sn_exact_min': 6, 'sn_exact_max': 12,
      'sn_part': 6, 'sn_fuzzy': 5, 'sn_swapped': 5, 'sn_similar': 1, 'sn_different': -5,
      'fn_m': 0.85, 'fn_exact_min': 4, 'fn_exact_max': 9,
      'fn_nickname': 5, 'fn_swapped': 4, 'fn_fuzzy': 4, 'fn_initial': 2.5,
      'fn_different': (-14 if var('match_first_name_conflict', true) else -5),
      'dob_exact': 13, 'dob_swapped': 7, 'dob_transposed': 6, 'dob_one_digit': 6, 'dob_year_month': 2,
      'dob_different': -12,
      'pc_m': 0.7, 'pc_exact_min': 2, 'pc_exact_max': 9, 'pc_sector': 1, 'pc_different': -1.5,
      'reference_agree': 10,
      'addr_m': 0.7, 'addr_exact_min': 0, 'addr_exact_max': 5, 'addr_fuzzy': 1, 'addr_different': -0.5,
  }) -}}
{%- endmacro %}
