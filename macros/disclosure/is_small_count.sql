{#- A predicate: the count `expr` is of 1 to threshold - 1 people (a true 0
    is shown, docs/disclosure.md "Zeros"; never true when the threshold is 0
    or 1). -#}
{% macro is_small_count(expr) -%}
    {%- if disclosure_threshold() > 1 -%}
        ({{ expr }} > 0 and {{ expr }} < {{ disclosure_threshold() }})
    {%- else -%}
        (1 = 0)
    {%- endif -%}
{%- endmacro %}
