{#- One row per calendar month: month_start (a date) for `months` months from `first_month`. -#}
{% macro month_spine(first_month, months) -%}
    select cast({{ dbt.dateadd('month', 'n', "cast('" ~ first_month ~ "' as date)") }} as date) as month_start
    from ({{ integers(months) }}) as month_numbers
{%- endmacro %}
