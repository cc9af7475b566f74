{#- Non-NULL text parts joined with ', ' (NULL when all are NULL). -#}
{% macro join_non_null(exprs, sep=', ') -%}
    {%- set parts = [] -%}
    {%- for e in exprs -%}
        {%- do parts.append("coalesce(" ~ dbt.concat(["'" ~ sep ~ "'", e]) ~ ", '')") -%}
    {%- endfor -%}
    nullif(substr({{ dbt.concat(parts) if parts | length > 1 else parts[0] }}, {{ sep | length + 1 }}), '')
{%- endmacro %}
