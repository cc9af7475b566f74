{% macro costcalc_frequencies() %}
    {{ return(schema_registry()['frequencies']) }}
{% endmacro %}
