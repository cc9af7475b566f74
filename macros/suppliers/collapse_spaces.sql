{#- Runs of spaces as one space (up to 16 in a row), with portable replace() only
    (SQL Server has no regular expressions before 2025). -#}
{% macro collapse_spaces(expr) -%}
    replace(replace(replace(replace({{ expr }}, '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ')
{%- endmacro %}
