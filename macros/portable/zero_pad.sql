{#- Text left-padded with zeros to n characters (T-SQL has no lpad). -#}
{% macro zero_pad(expr, n) -%}
  {{ return(adapter.dispatch('zero_pad', 'costcalc')(expr, n)) }}
{%- endmacro %}

{% macro default__zero_pad(expr, n) %}lpad({{ expr }}, {{ n }}, '0'){% endmacro %}

{% macro sqlserver__zero_pad(expr, n) %}right(replicate('0', {{ n }}) + {{ expr }}, {{ n }}){% endmacro %}
