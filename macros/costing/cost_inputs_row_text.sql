{#- One service-use row as text, each column cast to a string ('~' for null)
    and joined by '|': what cost_inputs_fingerprint hashes. -#}
{% macro cost_inputs_row_text(columns) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- do parts.append("coalesce(cast(" ~ c ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}
