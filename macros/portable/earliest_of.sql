{% macro earliest_of(exprs) -%}
    {%- set acc = namespace(sql=exprs[0]) -%}
    {%- for e in exprs[1:] -%}{%- set acc.sql = earlier_date(acc.sql, e) -%}{%- endfor -%}
    {{ acc.sql }}
{%- endmacro %}
