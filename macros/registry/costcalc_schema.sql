{% macro costcalc_schema(code) %}
    {%- set schemas = costcalc_registry()['schemas'] -%}
    {%- if code | upper not in schemas -%}
        {{ exceptions.raise_compiler_error("unknown schema " ~ code ~ "; known: " ~ (schemas.keys() | join(', '))
            ~ ". The schema registry is generated from the schemas' YAML files: after adding or changing a schema run "
            ~ "`costcalc build` (it writes the registry, then runs dbt), or `costcalc prepare` "
            ~ "before a plain `dbt build` (docs/adding-a-schema.md)") }}
    {%- endif -%}
    {{ return(schemas[code | upper]) }}
{% endmacro %}
