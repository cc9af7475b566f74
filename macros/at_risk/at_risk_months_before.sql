{#- The date `months` calendar months before (negative: after) the date `day`. -#}
{% macro at_risk_months_before(months, day) -%}
    cast({{ dbt.dateadd('month', '-1 * (' ~ months ~ ')', day) }} as date)
{%- endmacro %}
