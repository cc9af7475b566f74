{#- Part of the skew bound of blocking: see match_max_block_comparisons.sql. -#}

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
    {#- service references shared by too many profiles (int_match_skipped_references) -#}
    {%- for res in results if res.node.name == 'int_match_skipped_references' and res.status == 'success' -%}
      {%- set rows = run_query('select file_type, n_records, n_profiles from '
                               ~ res.node.relation_name ~ ' order by n_profiles desc') -%}
      {%- for row in rows -%}
        {%- do exceptions.warn('costcalc matching: ' ~ row[1] ~ ' records (' ~ row[2] ~ ' identity profiles) of file type '
            ~ row[0] ~ ' share one service reference; it is not used as evidence (limit '
            ~ match_max_reference_profiles() ~ ' profiles: var match_max_reference_profiles). If it is a placeholder, add it to seeds/match_placeholders.csv.') -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}
