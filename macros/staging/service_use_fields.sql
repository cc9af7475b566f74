{#- The standard service-use fields of cost schemas, in output order: (column,
    key of the schema's `service_use` mapping that gives it, type). -#}
{% macro service_use_fields() %}
    {{ return([
        ('service_type', 'service_type', dbt.type_string()),
        ('need', 'need', dbt.type_string()),
        ('start_date', 'start', 'date'),
        ('end_date', 'end', 'date'),
        ('unit_cost', 'unit_cost', type_money()),
        ('frequency', 'frequency', dbt.type_string()),
        ('supplier', 'supplier', dbt.type_string()),
    ]) }}
{% endmacro %}
