{#- Lookups over the generated schema registry (macros/generated/schema_registry.sql). -#}

{% macro costcalc_schemas(kind=none) %}
    {#- The registry's schemas (code -> schema dict), optionally only those of one kind. -#}
    {%- set out = {} -%}
    {%- for code, s in schema_registry()['schemas'].items() -%}
        {%- if kind is none or s['kind'] == kind -%}
            {%- do out.update({code: s}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}

{% macro costcalc_schema(code) %}
    {%- set schemas = schema_registry()['schemas'] -%}
    {%- if code | upper not in schemas -%}
        {{ exceptions.raise_compiler_error("unknown schema " ~ code ~ "; known: " ~ (schemas.keys() | join(', '))) }}
    {%- endif -%}
    {{ return(schemas[code | upper]) }}
{% endmacro %}

{#- The dim_client flag columns the schemas declare (`client_flag`): column -> [schema codes]. -#}
{% macro costcalc_client_flags() %}
    {%- set out = {} -%}
    {%- for code, s in schema_registry()['schemas'].items() if s['client_flag'] -%}
        {%- do out.setdefault(s['client_flag'], []).append(code) -%}
    {%- endfor -%}
    {{ return(out) }}
{% endmacro %}

{% macro costcalc_frequencies() %}
    {{ return(schema_registry()['frequencies']) }}
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
