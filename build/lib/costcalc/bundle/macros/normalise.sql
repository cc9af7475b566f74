{#- Identifier normalisation, shared by every schema (matching and natural keys). -#}

{#- Punctuation and spacing ignored when names are compared. -#}
{% macro name_noise_pattern() %}[[:space:][:punct:]’‘`´–—]{% endmacro %}

{#- A name for matching: upper case, without spaces, apostrophes, hyphens or other punctuation ("O'Brien-Smith" -> OBRIENSMITH); NULL when nothing is left. -#}
{% macro normalise_name(expr) -%}
    nullif(upper({{ regexp_remove(expr, name_noise_pattern()) }}), '')
{%- endmacro %}

{% macro normalise_surname(expr) -%}
    {{ normalise_name(expr) }}
{%- endmacro %}

{#- A postcode for matching: upper case, no spaces ("sw1a 1aa" -> SW1A1AA). -#}
{% macro normalise_postcode(expr) -%}
    nullif(upper({{ regexp_remove(expr, '[[:space:]]') }}), '')
{%- endmacro %}

{#- NHS / NI numbers and references: upper case, no spaces. -#}
{% macro normalise_identifier(expr) -%}
    nullif(upper({{ regexp_remove(expr, '[[:space:]]') }}), '')
{%- endmacro %}
