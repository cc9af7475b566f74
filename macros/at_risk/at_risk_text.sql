{#- A text value of the at-risk rule file as an SQL string literal (NULL for none).
    costcalc.at_risk.rules refuses backslashes and control characters in the file,
    so doubling single quotes is all quoting needs on every engine. -#}
{% macro at_risk_text(value) -%}
    {%- if value is none -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        cast('{{ value | replace("'", "''") }}' as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
