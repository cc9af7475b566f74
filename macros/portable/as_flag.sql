{#- A predicate as a value (a flag column). T-SQL has no boolean values: a bit. -#}
{% macro as_flag(predicate) %}{{ return(adapter.dispatch('as_flag', 'costcalc')(predicate)) }}{% endmacro %}

{% macro default__as_flag(predicate) %}({{ predicate }}){% endmacro %}

{% macro sqlserver__as_flag(predicate) %}cast(case when {{ predicate }} then 1 else 0 end as bit){% endmacro %}
