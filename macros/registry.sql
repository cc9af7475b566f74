{#- Lookups over the generated schema registry (schema_registry(), written by costcalc into
    the project's .costcalc/dbt/macros/: see docs/project.md). -#}

{% macro costcalc_registry() %}
    {#- The registry, or a clear error saying what to run when it has not been generated. -#}
    {%- if schema_registry is not defined -%}
        {{ exceptions.raise_compiler_error(
            "costcalc's generated dbt inputs (the schema registry, raw sources and seeds) are missing: "
            ~ "run `costcalc prepare` (or `costcalc build`) first; with a project directory, set "
            ~ "COSTCALC_PROJECT_DIR or COSTCALC_DBT_GENERATED to the same place for plain dbt commands") }}
    {%- endif -%}
    {{ return(schema_registry()) }}
{% endmacro %}

{% macro costcalc_schemas(kind=none) %}
    {#- The registry's schemas (code -> schema dict), optionally only those of one kind. -#}
    {%- set out = {} -%}
    {%- for code, s in costcalc_registry()['schemas'].items() -%}
        {%- if kind is none or s['kind'] == kind -%}
            {%- do out.update({code: s}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}

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

{% macro costcalc_frequencies() %}
    {{ return(costcalc_registry()['frequencies']) }}
{% endmacro %}

{% macro raw_type(sql_type) %}
    {#- A registry column type as a warehouse type (docs/architecture.md, "The raw layer"). -#}
    {%- if sql_type == 'string' -%} {{ dbt.type_string() }}
    {%- elif sql_type == 'bigint' -%} {{ dbt.type_bigint() }}
    {%- elif sql_type == 'integer' -%} {{ dbt.type_int() }}
    {%- elif sql_type == 'money' -%} decimal(18, 4)
    {%- elif sql_type == 'date' -%} date
    {%- elif sql_type == 'timestamp' -%} {{ dbt.type_timestamp() }}
    {%- else -%} {{ exceptions.raise_compiler_error("unknown registry type " ~ sql_type) }}
    {%- endif -%}
{% endmacro %}
