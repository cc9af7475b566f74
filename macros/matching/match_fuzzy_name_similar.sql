{#- The fuzzy-name rule wherever the engine has string similarity (DuckDB,
    PostgreSQL, Spark, SQL Server 2025): both names at least 3 letters, and a
    Jaro-Winkler similarity of at least var match_fuzzy_jw (0.92), or, both at
    least 5 letters, one edit apart (match_one_edit). The same decisions on
    every engine (tests/test_matching_engine_parity.py). -#}
{% macro match_fuzzy_name_similar(a, b) -%}
  {%- set la = dbt.length(a) -%}{%- set lb = dbt.length(b) -%}
  ({{ la }} >= 3 and {{ lb }} >= 3
   and ({{ match_jaro_winkler(a, b) }} >= {{ var('match_fuzzy_jw', 0.92) }}
        or ({{ la }} >= 5 and {{ lb }} >= 5 and {{ match_one_edit(a, b) }})))
{%- endmacro %}
