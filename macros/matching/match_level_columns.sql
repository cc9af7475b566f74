{#- Part of incremental matching: see int_match_pair_levels.sql. -#}

{#- The names of the level columns match_pair_levels() makes (nhs_level,
    sn_level, ...): int_match_pair_levels stores them and int_match_pairs
    reads them, so a new level needs no change in either. -#}
{% macro match_level_columns() -%}
  {{- return(modules.re.findall('\\bas\\s+([a-z_0-9]+_level)\\b', match_pair_levels('a', 'b') | string)) -}}
{%- endmacro %}
