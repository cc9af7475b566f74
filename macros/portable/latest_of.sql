{#- The latest / earliest of a list of expressions, ignoring NULLs. -#}
{% macro latest_of(exprs) -%}
    {%- set acc = namespace(sql=exprs[0]) -%}
    {%- for e in exprs[1:] -%}{%- set acc.sql = later_date(acc.sql, e) -%}{%- endfor -%}
    {{ acc.sql }}
{%- endmacro %}
