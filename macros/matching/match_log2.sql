{#- log base 2, in plain SQL. -#}
{% macro match_log2(expr) -%}
  ({{ match_ln(expr) }} / {{ match_ln('2') }})
{%- endmacro %}
