{#- A double-precision float on every engine (dbt.type_float() is 32-bit on
    DuckDB): the weights and probabilities of int_match_weight_estimates. -#}
{% macro match_type_double() -%}
  {%- if target.type == 'postgres' -%}double precision
  {%- elif target.type == 'sqlserver' -%}float(53)
  {%- else -%}double
  {%- endif -%}
{%- endmacro %}
