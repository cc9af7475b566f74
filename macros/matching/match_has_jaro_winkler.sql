{#- Whether this engine has a Jaro-Winkler similarity (match_jaro_winkler):
    DuckDB, PostgreSQL and Spark do; SQL Server only from 2025 (var
    sqlserver_2025); none with var match_portable_only. -#}
{% macro match_has_jaro_winkler() -%}
  {%- if var('match_portable_only', false) -%}{{ return(false) }}{%- endif -%}
  {%- if target.type == 'sqlserver' -%}{{ return(var('sqlserver_2025', false)) }}{%- endif -%}
  {{- return(target.type in ['duckdb', 'postgres', 'spark', 'databricks']) -}}
{%- endmacro %}
