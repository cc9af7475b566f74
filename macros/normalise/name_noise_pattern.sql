{#- Punctuation and spacing ignored when names are compared. -#}
{% macro name_noise_pattern() %}[[:space:][:punct:]’‘`´–—]{% endmacro %}
