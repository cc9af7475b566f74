{#- `column in (...)` for one of at_risk_schemas()'s lists. -#}
{% macro at_risk_schema_in(column, name) -%}
    {{ column }} in ('{{ at_risk_schemas()[name] | join("', '") }}')
{%- endmacro %}
