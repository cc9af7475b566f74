{#- The most identity profiles one service reference (of one file type) may be
    shared by and still count as evidence (docs/matching.md, "Service
    references"): a person's records in one file type rarely differ in more
    than a few details; a reference on more profiles is a default or a
    household's, not a person's. -#}
{% macro match_max_reference_profiles() -%}
  {{- return(var('match_max_reference_profiles', 10) | int) -}}
{%- endmacro %}
