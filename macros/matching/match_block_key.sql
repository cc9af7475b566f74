{#-
  Skew bounds for blocking (docs/matching.md "Skew"). No value of a blocking
  rule may bring more than var('match_max_block_comparisons') pairs of
  identity profiles; over-frequent values are left out of blocking
  (int_match_block_keys.is_skipped), listed without the value in
  int_match_skipped_blocks, and reported as warnings at the end of the run.
-#}

{#- A blocking rule's key as one text value (NULL when any of its columns is). -#}
{% macro match_block_key(columns) -%}
  {%- if columns | length == 1 -%}
    cast({{ columns[0] }} as {{ dbt.type_string() }})
  {%- else -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
      {%- do parts.append('cast(' ~ c ~ ' as ' ~ dbt.type_string() ~ ')') -%}
      {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
  {%- endif -%}
{%- endmacro %}
