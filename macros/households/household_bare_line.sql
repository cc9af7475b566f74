{#- True (a SQL condition) when a normalised address line (household_line_text)
    is only a flat, room or house number ("FLAT7", "10", "NO4"): the address
    goes on in the next line. -#}
{% macro household_bare_line(line) -%}
    coalesce({{ regexp_remove(line, '[0-9]') }}, '') in ('', 'FLAT', 'FLT', 'UNIT', 'ROOM', 'APT', 'NO')
{%- endmacro %}
