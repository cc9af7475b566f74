{#- The fingerprint of how staging turns one schema's raw rows into standard
    rows: an MD5 of stage_schema(code) and union_staging() as this build
    compiles them (every column expression the schema's registry entry
    gives, every normalising macro, this engine's functions, and the
    relations they read). int_load_inputs puts it into every load's
    fingerprint, so the rows int_source_rows keeps are staged again whenever
    staging would make them differently, with nothing to remember to raise
    (as match_levels_logic does for matching). -#}
{% macro staging_logic_version(code) -%}
  {{- return(local_md5(stage_schema(code) ~ '|' ~ union_staging())) -}}
{%- endmacro %}
