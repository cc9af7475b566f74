{#-
  Skew bounds for blocking (docs/matching.md "Skew"). No value of a blocking
  rule may bring more than var('match_max_block_comparisons') pairs of
  identity profiles; over-frequent values are left out of blocking
  (int_match_block_keys.is_skipped), listed without the value in
  int_match_skipped_blocks, and reported as warnings at the end of the run.
-#}

{#- The most comparisons one value of one blocking rule may bring: n profiles
    sharing it bring n * (n - 1) / 2. 100,000 is about 450 profiles. -#}
{% macro match_max_block_comparisons() -%}
  {{- return(var('match_max_block_comparisons', 100000) | int) -}}
{%- endmacro %}
