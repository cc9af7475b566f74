{#- Whole numbers 0 .. n-1 as a column `n`, without an introspective query
    (dbt.date_spine asks the warehouse how many intervals it needs). -#}
{% macro integers(n) -%}
    {%- set digits = "select 0 as d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9" -%}
    {%- set width = (n | string | length) -%}
    select n from (
        select
            {%- for i in range(width) %}
            d{{ i }}.d * {{ 10 ** i }}{{ ' +' if not loop.last }}
            {%- endfor %} as n
        from
            {%- for i in range(width) %}
            ({{ digits }}) as d{{ i }}{{ ',' if not loop.last }}
            {%- endfor %}
    ) as numbers
    where n < {{ n }}
{%- endmacro %}
