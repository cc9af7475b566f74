{#- The disclosure threshold of the rpt_* marts (docs/disclosure.md): the dbt var
    `disclosure_threshold` (costcalc passes the project's costcalc.yml
    `disclosure.threshold`; dbt_project.yml's default is 10). Counts of fewer
    than this many people are suppressed; 0 or 1 suppresses nothing. -#}
{% macro disclosure_threshold() %}
    {%- set value = var('disclosure_threshold', 10) -%}
    {%- if value is boolean or value is not number or value < 0 or value != value | int -%}
        {{ exceptions.raise_compiler_error("var disclosure_threshold must be a whole number, 0 or more, not " ~ value) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}
