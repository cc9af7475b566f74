{% macro costcalc_frequencies() %}
    {{ return(costcalc_registry()['frequencies']) }}
{% endmacro %}
