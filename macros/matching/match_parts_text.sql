{#- Spaces for every separator, so the parts of a double-barrelled name split. -#}
{% macro match_parts_text(expr) -%}
  upper(trim({{ dbt.replace(dbt.replace(dbt.replace(expr, "'-'", "' '"), "''''", "''"), "'’'", "''") }}))
{%- endmacro %}
