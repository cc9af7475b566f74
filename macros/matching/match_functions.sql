{#-
  Portable building blocks for record linkage (models/intermediate/matching).
  Each engine-specific piece goes through adapter.dispatch with a default__
  written in plain SQL that every warehouse dbt targets understands.
-#}

{#- Letters only, upper case: "O'Brien-Smith " -> "OBRIENSMITH". -#}
{% macro match_letters(expr) -%}
  {{ return(adapter.dispatch('match_letters')(expr)) }}
{%- endmacro %}

{% macro default__match_letters(expr) -%}
  {%- set ns = namespace(out="trim(" ~ expr ~ ")") -%}
  {%- for ch in ["''''", "'-'", "' '", "'.'", "','", "'’'"] -%}
    {%- set ns.out = dbt.replace(ns.out, ch, "''") -%}
  {%- endfor -%}
  nullif(upper({{ ns.out }}), '')
{%- endmacro %}

{% macro duckdb__match_letters(expr) -%}
  nullif(upper(regexp_replace({{ expr }}, '[^A-Za-z]', '', 'g')), '')
{%- endmacro %}

{#- Spaces for every separator, so the parts of a double-barrelled name split. -#}
{% macro match_parts_text(expr) -%}
  upper(trim({{ dbt.replace(dbt.replace(dbt.replace(expr, "'-'", "' '"), "''''", "''"), "'’'", "''") }}))
{%- endmacro %}

{#- Full-string regular-expression test. -#}
{% macro match_regexp_full(expr, pattern) -%}
  {{ return(adapter.dispatch('match_regexp_full')(expr, pattern)) }}
{%- endmacro %}

{% macro default__match_regexp_full(expr, pattern) -%}
  regexp_like({{ expr }}, '^{{ pattern }}$')
{%- endmacro %}

{% macro duckdb__match_regexp_full(expr, pattern) -%}
  regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__match_regexp_full(expr, pattern) -%}
  ({{ expr }} ~ '^{{ pattern }}$')
{%- endmacro %}

{% macro bigquery__match_regexp_full(expr, pattern) -%}
  regexp_contains({{ expr }}, r'^{{ pattern }}$')
{%- endmacro %}

{#- An NHS number passing the modulus-11 check (10 digits, not all one digit), else NULL. -#}
{% macro match_valid_nhs(expr) -%}
  case when {{ match_regexp_full(expr, '[0-9]{10}') }}
        and {{ expr }} not in ('0000000000','1111111111','2222222222','3333333333','4444444444',
                               '5555555555','6666666666','7777777777','8888888888','9999999999')
        and mod(11 - mod(
              {%- for i in range(1, 10) %}
              cast(substr({{ expr }}, {{ i }}, 1) as integer) * {{ 11 - i }}{{ " +" if not loop.last }}
              {%- endfor %}, 11), 11) = cast(substr({{ expr }}, 10, 1) as integer)
       then {{ expr }} end
{%- endmacro %}

{#- The eight identifying characters of a well-formed NI number (HMRC prefix
    rules, six digits not all zero, optional suffix A-D), else NULL. The suffix
    is dropped: the same person's number is written with and without it. -#}
{% macro match_valid_ni(expr) -%}
  case when {{ match_regexp_full(expr, '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?') }}
        and substr({{ expr }}, 1, 2) not in ('BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ')
        and substr({{ expr }}, 3, 6) <> '000000'
       then substr({{ expr }}, 1, 8) end
{%- endmacro %}

{#- Two names close enough to be one name with a typing error (both non-null). -#}
{% macro match_fuzzy_name(a, b) -%}
  {{ return(adapter.dispatch('match_fuzzy_name')(a, b)) }}
{%- endmacro %}

{#- Portable fallback: same first three letters and lengths within one, or the
    same letters bar the last one. Coarser than an edit distance. -#}
{% macro default__match_fuzzy_name(a, b) -%}
  (length({{ a }}) >= 4 and length({{ b }}) >= 4
   and ((substr({{ a }}, 1, 3) = substr({{ b }}, 1, 3)
         and abs(length({{ a }}) - length({{ b }})) <= 1
         and substr({{ a }}, length({{ a }}), 1) = substr({{ b }}, length({{ b }}), 1))
        or substr({{ a }}, 1, length({{ a }}) - 1) = {{ b }}
        or substr({{ b }}, 1, length({{ b }}) - 1) = {{ a }}))
{%- endmacro %}

{% macro duckdb__match_fuzzy_name(a, b) -%}
  (length({{ a }}) >= 3 and length({{ b }}) >= 3
   and (jaro_winkler_similarity({{ a }}, {{ b }}) >= {{ var('match_fuzzy_jw', 0.92) }}
        or (damerau_levenshtein({{ a }}, {{ b }}) = 1 and least(length({{ a }}), length({{ b }})) >= 5)))
{%- endmacro %}

{% macro snowflake__match_fuzzy_name(a, b) -%}
  (length({{ a }}) >= 3 and length({{ b }}) >= 3
   and (jarowinkler_similarity({{ a }}, {{ b }}) >= {{ var('match_fuzzy_jw', 0.92) * 100 }}
        or (editdistance({{ a }}, {{ b }}) = 1 and least(length({{ a }}), length({{ b }})) >= 5)))
{%- endmacro %}

{% macro bigquery__match_fuzzy_name(a, b) -%}
  (least(length({{ a }}), length({{ b }})) >= 4 and edit_distance({{ a }}, {{ b }}) <= 1)
{%- endmacro %}

{#- log base 2, in plain SQL. -#}
{% macro match_log2(expr) -%}
  (ln({{ expr }}) / ln(2))
{%- endmacro %}
