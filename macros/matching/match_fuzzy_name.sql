{#- Two names close enough to be one name with a typing error (both non-null).
    Every engine with string functions decides the same way
    (match_fuzzy_name_similar: Jaro-Winkler, or one edit); the portable
    fallback is only for SQL Server before 2025 (docs/matching.md#engines). -#}
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
  {{ match_fuzzy_name_similar(a, b) }}
{%- endmacro %}

{#- fuzzystrmatch and costcalc's Jaro-Winkler function (the on-run-start hook match_string_functions). -#}
{% macro postgres__match_fuzzy_name(a, b) -%}
  {%- if var('match_portable_only', false) -%}{{ return(default__match_fuzzy_name(a, b)) }}{%- endif -%}
  {{ match_fuzzy_name_similar(a, b) }}
{%- endmacro %}

{% macro spark__match_fuzzy_name(a, b) -%}
  {%- if var('match_portable_only', false) -%}{{ return(default__match_fuzzy_name(a, b)) }}{%- endif -%}
  {{ match_fuzzy_name_similar(a, b) }}
{%- endmacro %}

{#- EDIT_DISTANCE and JARO_WINKLER_DISTANCE exist from SQL Server 2025: say so with
    --vars '{sqlserver_2025: true}'; before that, the portable fallback. -#}
{% macro sqlserver__match_fuzzy_name(a, b) -%}
  {%- if var('match_portable_only', false) or not var('sqlserver_2025', false) -%}
    {{ return(default__match_fuzzy_name(a, b)) }}
  {%- endif -%}
  {{ match_fuzzy_name_similar(a, b) }}
{%- endmacro %}
