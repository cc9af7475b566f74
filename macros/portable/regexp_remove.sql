{#- Remove every match of a regular expression (all occurrences). -#}
{% macro regexp_remove(expr, pattern) %}{{ return(adapter.dispatch('regexp_remove', 'costcalc')(expr, pattern)) }}{% endmacro %}

{#- DuckDB and PostgreSQL: POSIX classes, 'g' for every occurrence. -#}
{% macro default__regexp_remove(expr, pattern) %}regexp_replace({{ expr }}, '{{ pattern }}', '', 'g'){% endmacro %}

{#- Java regular expressions (Spark) have no POSIX bracket classes: use \s and \p{Punct}. -#}
{% macro spark__regexp_remove(expr, pattern) -%}
    {%- set java = pattern.replace('[:space:]', '\\\\s').replace('[:punct:]', '\\\\p{Punct}') -%}
    regexp_replace({{ expr }}, '{{ java }}', '')
{%- endmacro %}

{#- SQL Server before 2025 has no regular expressions: the patterns the project uses
    (spacing, the name noise of macros/normalise/name_noise_pattern.sql, digits) by translate() (SQL
    Server 2017+) to char(1), then one replace(); any other pattern needs SQL
    Server 2025's regexp_replace. -#}
{% macro sqlserver__regexp_remove(expr, pattern) -%}
    {%- set spacing = " " ~ "\t\n\r" ~ "\u00a0" -%}
    {%- set punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~’‘´–—" -%}
    {%- if pattern == '[[:space:]]' -%}
        {%- set chars = spacing -%}
    {%- elif pattern == name_noise_pattern() -%}
        {%- set chars = spacing ~ punct -%}
    {%- elif pattern == '[0-9]' -%}
        {%- set chars = "0123456789" -%}
    {%- else -%}
        {{ return("regexp_replace(" ~ expr ~ ", '" ~ pattern ~ "', '')") }}
    {%- endif -%}
    {%- set lit = "N'" ~ chars.replace("'", "''") ~ "'" -%}
    {{ return("replace(translate(" ~ expr ~ ", " ~ lit ~ ", replicate(nchar(1), " ~ (chars | length) ~ ")), nchar(1), '')") }}
{%- endmacro %}
