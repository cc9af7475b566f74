{#-
  Skew bounds for blocking (docs/matching.md "Skew"). No value of a blocking
  rule may bring more than var('match_max_block_comparisons') pairs of
  identity profiles; over-frequent values are left out of blocking
  (int_match_block_keys.is_skipped), listed without the value in
  int_match_skipped_blocks, and reported as warnings at the end of the run.
-#}

{#- on-run-end: one warning per skipped blocking value, naming the rule's
    identifiers and how many records share the value, never the value. -#}
{% macro match_warn_skipped_blocks() -%}
  {%- if execute -%}
    {%- for res in results if res.node.name == 'int_match_skipped_blocks' and res.status == 'success' -%}
      {%- set rows = run_query('select identifiers, n_records, n_profiles, comparisons from '
                               ~ res.node.relation_name ~ ' order by comparisons desc') -%}
      {%- for row in rows -%}
        {%- do exceptions.warn('costcalc matching: ' ~ row[1] ~ ' records (' ~ row[2] ~ ' identity profiles) share one value of '
            ~ row[0] ~ '; that value is left out of blocking (' ~ row[3] ~ ' comparisons, limit '
            ~ match_max_block_comparisons() ~ ': var match_max_block_comparisons). If it is a placeholder, add it to seeds/match_placeholders.csv.') -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}
