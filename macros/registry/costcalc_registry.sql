{#- The generated schema registry (schema_registry(), written by costcalc into the project's
    .costcalc/dbt/macros/: see docs/project.md), or a clear error saying what to run when it
    has not been generated. Every lookup of the registry goes through this macro. -#}
{% macro costcalc_registry() %}
    {%- if schema_registry is not defined -%}
        {{ exceptions.raise_compiler_error(
            "costcalc's generated dbt inputs (the schema registry, raw sources and seeds) are missing: "
            ~ "run `costcalc prepare` (or `costcalc build`) first, then run dbt in the project it "
            ~ "assembles (docs/project.md)") }}
    {%- endif -%}
    {{ return(schema_registry()) }}
{% endmacro %}
