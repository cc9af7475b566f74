{#- Full-string regular-expression test. -#}
{% macro match_regexp_full(expr, pattern) -%}
  {{ return(adapter.dispatch('match_regexp_full', 'costcalc')(expr, pattern)) }}
{%- endmacro %}

{#- PostgreSQL (POSIX regular expressions). -#}
{% macro default__match_regexp_full(expr, pattern) -%}
  ({{ expr }} ~ '^{{ pattern }}$')
{%- endmacro %}

{% macro duckdb__match_regexp_full(expr, pattern) -%}
  regexp_full_match({{ expr }}, '{{ pattern }}')
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
