{#- A name for matching: upper case, without spaces, apostrophes, hyphens or other punctuation ("O'Brien-Smith" -> OBRIENSMITH); NULL when nothing is left. -#}
{% macro normalise_name(expr) -%}
    nullif(upper({{ regexp_remove(expr, name_noise_pattern()) }}), '')
{%- endmacro %}
