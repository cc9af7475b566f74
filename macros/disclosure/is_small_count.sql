{#- A predicate: the count `expr` is of fewer people than the disclosure
    threshold (never true when the threshold is 0 or 1). -#}
{% macro is_small_count(expr) -%}
    {%- if disclosure_threshold() > 1 -%}
        ({{ expr }} < {{ disclosure_threshold() }})
    {%- else -%}
        (1 = 0)
    {%- endif -%}
{%- endmacro %}
