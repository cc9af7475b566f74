{#- Part of placeholders: see match_placeholder_rows.sql. -#}

{#- Upper case, without spaces or hyphens. -#}
{% macro match_compact(expr) -%}
  {{ dbt.replace(dbt.replace('upper(trim(' ~ expr ~ '))', "' '", "''"), "'-'", "''") }}
{%- endmacro %}
