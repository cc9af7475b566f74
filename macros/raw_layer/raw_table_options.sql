{#- Storage options of a raw table (Spark: parquet, not a Hive text table). -#}
{% macro raw_table_options() %}{{ return(adapter.dispatch('raw_table_options', 'costcalc')()) }}{% endmacro %}

{% macro default__raw_table_options() %}{% endmacro %}

{% macro spark__raw_table_options() %} using parquet{% endmacro %}
