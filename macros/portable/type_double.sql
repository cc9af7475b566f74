{% macro type_double() %}{{ return(adapter.dispatch('type_double', 'costcalc')()) }}{% endmacro %}

{% macro default__type_double() %}double precision{% endmacro %}

{% macro duckdb__type_double() %}double{% endmacro %}

{% macro spark__type_double() %}double{% endmacro %}

{% macro sqlserver__type_double() %}float{% endmacro %}
