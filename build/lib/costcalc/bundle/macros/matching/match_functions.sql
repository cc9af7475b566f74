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
  {%- if var('match_portable_only', false) -%}{{ return(default__match_letters(expr)) }}{%- endif -%}
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

{% macro spark__match_regexp_full(expr, pattern) -%}
  ({{ expr }} rlike '^{{ pattern }}$')
{%- endmacro %}

{#- SQL Server has no regular expressions before 2025; LIKE has character classes. -#}
{% macro sqlserver__match_regexp_full(expr, pattern) -%}
  {%- set like = {
      '[0-9]{10}': "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]",
      '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?': none,
  } -%}
  {%- if pattern == '[0-9]{10}' -%}
  ({{ expr }} like '{{ like[pattern] }}')
  {%- elif pattern == '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?' -%}
  ({{ expr }} like '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9][0-9][0-9][0-9][0-9][0-9]'
   or {{ expr }} like '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9][0-9][0-9][0-9][0-9][0-9][A-D]')
  {%- else -%}
  {{ exceptions.raise_compiler_error("match_regexp_full: no SQL Server form for " ~ pattern) }}
  {%- endif -%}
{%- endmacro %}

{% macro bigquery__match_regexp_full(expr, pattern) -%}
  regexp_contains({{ expr }}, r'^{{ pattern }}$')
{%- endmacro %}

{#- An NHS number passing the modulus-11 check (10 digits, not all one digit), else NULL. -#}
{% macro match_valid_nhs(expr) -%}
  {%- set terms = [] -%}
  {%- for i in range(1, 10) -%}
    {%- do terms.append("cast(" ~ match_substr(expr, i, 1) ~ " as " ~ dbt.type_int() ~ ") * " ~ (11 - i)) -%}
  {%- endfor -%}
  {%- set nhs_sum = "(" ~ (terms | join(" + ")) ~ ")" -%}
  case when {{ match_regexp_full(expr, '[0-9]{10}') }}
        and {{ expr }} not in ('0000000000','1111111111','2222222222','3333333333','4444444444',
                               '5555555555','6666666666','7777777777','8888888888','9999999999')
        and {{ match_mod("11 - " ~ match_mod(nhs_sum, '11'), '11') }} = cast({{ match_substr(expr, 10, 1) }} as {{ dbt.type_int() }})
       then {{ expr }} end
{%- endmacro %}

{#- The eight identifying characters of a well-formed NI number (HMRC prefix
    rules, six digits not all zero, optional suffix A-D), else NULL. The suffix
    is dropped: the same person's number is written with and without it. -#}
{% macro match_valid_ni(expr) -%}
  case when {{ match_regexp_full(expr, '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?') }}
        and {{ match_substr(expr, 1, 2) }} not in ('BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ')
        and {{ match_substr(expr, 3, 6) }} <> '000000'
       then {{ match_substr(expr, 1, 8) }} end
{%- endmacro %}

{#- Two names close enough to be one name with a typing error (both non-null). -#}
{% macro match_fuzzy_name(a, b) -%}
  {{ return(adapter.dispatch('match_fuzzy_name')(a, b)) }}
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

{% macro spark__match_fuzzy_name(a, b) -%}
  (least(length({{ a }}), length({{ b }})) >= 4 and levenshtein({{ a }}, {{ b }}) <= 1)
{%- endmacro %}

{% macro duckdb__match_fuzzy_name(a, b) -%}
  {%- if var('match_portable_only', false) -%}{{ return(default__match_fuzzy_name(a, b)) }}{%- endif -%}
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
  ({{ match_ln(expr) }} / {{ match_ln('2') }})
{%- endmacro %}

{#- substr / mod / extract / lpad / log, for engines whose SQL spells them otherwise (SQL Server). -#}
{% macro match_substr(expr, start, length) -%}
  {{ return(adapter.dispatch('match_substr')(expr, start, length)) }}
{%- endmacro %}
{% macro default__match_substr(expr, start, length) %}substr({{ expr }}, {{ start }}, {{ length }}){% endmacro %}
{% macro sqlserver__match_substr(expr, start, length) %}substring({{ expr }}, {{ start }}, {{ length }}){% endmacro %}

{% macro match_mod(a, b) -%}
  {{ return(adapter.dispatch('match_mod')(a, b)) }}
{%- endmacro %}
{% macro default__match_mod(a, b) %}mod({{ a }}, {{ b }}){% endmacro %}
{% macro sqlserver__match_mod(a, b) %}(({{ a }}) % ({{ b }})){% endmacro %}

{% macro match_date_part(part, expr) -%}
  {{ return(adapter.dispatch('match_date_part')(part, expr)) }}
{%- endmacro %}
{% macro default__match_date_part(part, expr) %}extract({{ part }} from {{ expr }}){% endmacro %}
{% macro sqlserver__match_date_part(part, expr) %}datepart({{ part }}, {{ expr }}){% endmacro %}

{% macro match_lpad(expr, n) -%}
  {{ return(adapter.dispatch('match_lpad')(expr, n)) }}
{%- endmacro %}
{% macro default__match_lpad(expr, n) %}lpad({{ expr }}, {{ n }}, '0'){% endmacro %}
{% macro sqlserver__match_lpad(expr, n) %}right(replicate('0', {{ n }}) + {{ expr }}, {{ n }}){% endmacro %}

{% macro match_ln(expr) -%}
  {{ return(adapter.dispatch('match_ln')(expr)) }}
{%- endmacro %}
{% macro default__match_ln(expr) %}ln({{ expr }}){% endmacro %}
{% macro sqlserver__match_ln(expr) %}log({{ expr }}){% endmacro %}

{#- The per-field agreement columns of restricted.match_links, all NULL: for
    links no pairwise comparison made (identical details, manual decisions). -#}
{% macro no_field_levels() -%}
    {%- for field in ['nhs', 'ni', 'surname', 'firstname', 'dob', 'postcode'] %}
        cast(null as {{ dbt.type_string() }}) as {{ field }}_level,
    {%- endfor %}
{%- endmacro %}
