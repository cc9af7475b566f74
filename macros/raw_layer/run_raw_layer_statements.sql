{#- The hook's SQL: one script on engines that run several statements at once;
    Spark runs one statement per call, so it runs them here and the hook is empty. -#}
{% macro run_raw_layer_statements(statements) %}
    {{ return(adapter.dispatch('run_raw_layer_statements', 'costcalc')(statements)) }}
{% endmacro %}

{% macro default__run_raw_layer_statements(statements) %}{{ return(statements | join(";\n")) }}{% endmacro %}

{% macro spark__run_raw_layer_statements(statements) %}
    {%- if execute -%}{%- for s in statements -%}{%- do run_query(s) -%}{%- endfor -%}{%- endif -%}
    {{ return("select 1 as raw_layer_ready") }}
{% endmacro %}

{% macro sqlserver__run_raw_layer_statements(statements) %}
    {%- set out = [] -%}
    {%- for s in statements -%}
        {%- if s.startswith('create schema') -%}
            {%- do out.append("if schema_id('raw') is null exec('create schema raw')") -%}
        {%- else -%}
            {%- set table = s.split('(')[0].replace('create table if not exists', '').strip() -%}
            {%- do out.append("if object_id('" ~ table ~ "') is null exec('" ~ s.replace('create table if not exists', 'create table').replace("'", "''") ~ "')") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out | join(";\n")) }}
{% endmacro %}
