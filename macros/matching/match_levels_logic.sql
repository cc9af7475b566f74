{#- Part of incremental matching: see int_match_pair_levels.sql. -#}

{#- The fingerprint of the comparison itself: an MD5 of match_pair_levels() as
    this build compiles it (every level, every var it reads, this engine's
    string functions). A stored pair's levels are kept only while it is the
    same, so a change to a level or to var match_similar_jw recompares every
    pair, with nothing to remember to raise. -#}
{% macro match_levels_logic() -%}
  {{- return(local_md5(match_pair_levels('a', 'b'))) -}}
{%- endmacro %}
