{#- A 56- to 64-bit number from a load's fingerprint (any text): what
    record_inputs_fingerprint sums, of a type each engine sums without
    overflow. -#}
{% macro load_fingerprint_number(text) %}
    {{ return(adapter.dispatch('load_fingerprint_number', 'costcalc')(text)) }}
{% endmacro %}

{% macro default__load_fingerprint_number(text) -%}
    cast(conv(substr(md5({{ text }}), 1, 15), 16, 10) as decimal(38, 0))
{%- endmacro %}

{% macro duckdb__load_fingerprint_number(text) -%}
    md5_number_upper({{ text }})
{%- endmacro %}

{% macro postgres__load_fingerprint_number(text) -%}
    cast(cast(('x' || substr(md5({{ text }}), 1, 15)) as bit(60)) as bigint)
{%- endmacro %}

{% macro sqlserver__load_fingerprint_number(text) -%}
    cast(convert(bigint, substring(hashbytes('MD5', {{ text }}), 1, 7)) as decimal(38, 0))
{%- endmacro %}
