{#- Part of incremental matching: see int_match_pair_levels.sql. -#}

{#- The names of the level columns match_pair_levels() makes (nhs_level,
    sn_level, ...: each word after `as` that ends in _level): int_match_pair_levels
    stores them and int_match_pairs reads them, so a new level needs no change
    in either. -#}
{% macro match_level_columns() -%}
  {%- set words = (match_pair_levels('a', 'b') | string).split() -%}
  {%- set columns = [] -%}
  {%- for word in words[1:] -%}
    {%- set name = word | replace(',', '') -%}
    {%- if words[loop.index0] | lower == 'as' and name.endswith('_level') and name not in columns -%}
      {%- do columns.append(name) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(columns) -}}
{%- endmacro %}
