{#- Two names close enough to be one name with a typing error (both non-null). -#}
{% macro match_fuzzy_name(a, b) -%}
  {{ return(adapter.dispatch('match_fuzzy_name', 'costcalc')(a, b)) }}
{%- endmacro %}

{#- Portable fallback: same first three letters and lengths within one, or the
    same letters bar the last one. Coarser than an edit distance. -#}
{% macro default__match_fuzzy_name(a, b) -%}
  {%- set la = dbt.length(a) -%}{%- set lb = dbt.length(b) -%}
  ({{ la }} >= 4 and {{ lb }} >= 4
   and (({{ match_substr(a, 1, 3) }} = {{ match_substr(b, 1, 3) }}
         and abs({{ la }} - {{ lb }}) <= 1
         and {{ match_substr(a, la, 1) }} = {{ match_substr(b, lb, 1) }})
        or {{ match_substr(a, 1, la ~ ' - 1') }} = {{ b }}
        or {{ match_substr(b, 1, lb ~ ' - 1') }} = {{ a }}))
{%- endmacro %}

{% macro duckdb__match_fuzzy_name(a, b) -%}
  {%- if var('match_portable_only', false) -%}{{ return(default__match_fuzzy_name(a, b)) }}{%- endif -%}
  (length({{ a }}) >= 3 and length({{ b }}) >= 3
   and (jaro_winkler_similarity({{ a }}, {{ b }}) >= {{ var('match_fuzzy_jw', 0.92) }}
        or (damerau_levenshtein({{ a }}, {{ b }}) = 1 and least(length({{ a }}), length({{ b }})) >= 5)))
{%- endmacro %}

{% macro spark__match_fuzzy_name(a, b) -%}
  (least(length({{ a }}), length({{ b }})) >= 4 and levenshtein({{ a }}, {{ b }}) <= 1)
{%- endmacro %}
