{% macro costcalc_schema(code) %}
    {%- set schemas = schema_registry()['schemas'] -%}
    {%- if code | upper not in schemas -%}
        {{ exceptions.raise_compiler_error("unknown schema " ~ code ~ "; known: " ~ (schemas.keys() | join(', '))) }}
    {%- endif -%}
    {{ return(schemas[code | upper]) }}
{% endmacro %}
