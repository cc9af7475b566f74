{#- An address line compared for households: upper case, without spaces or
    punctuation, with a few spellings made one (STREET/ST, ROAD/RD,
    AVENUE/AVE, APARTMENT/FLAT). Flat and house numbers stay in the text, so
    "Flat 2, 10 High St", "Flat 3, 10 High St" and "12 High St" stay apart. -#}
{% macro household_line_text(expr) -%}
    {%- set ns = namespace(text=normalise_name(expr)) -%}
    {%- for long, short in [('APARTMENT', 'FLAT'), ('STREET', 'ST'), ('ROAD', 'RD'), ('AVENUE', 'AVE')] -%}
        {%- set ns.text = "replace(" ~ ns.text ~ ", '" ~ long ~ "', '" ~ short ~ "')" -%}
    {%- endfor -%}
    {{ ns.text }}
{%- endmacro %}
