{% macro type_money() %}{{ return(adapter.dispatch('type_money', 'costcalc')()) }}{% endmacro %}

{% macro default__type_money() %}decimal(18, 4){% endmacro %}
