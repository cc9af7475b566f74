{#- How many financial years a record [start_date, end_date] is first charged
    for within a period: the record's first day in each financial year it
    overlaps (its start day, then every 1 April after it), counted where
    that day lies in the period. With lo..hi the overlap: when lo is the
    start day, the years fy(start)..fy(hi); otherwise the 1 Aprils in lo..hi,
    fy(hi) - fy(lo - 1 day). 0 when the record and the period do not meet. -#}
{% macro financial_year_starts(start_date, end_date, period_start, period_end) -%}
    {%- set lo = later_date(start_date, period_start) -%}
    {%- set hi = earlier_date(end_date, period_end) -%}
    case
        when {{ lo }} > {{ hi }} then 0
        when {{ start_date }} >= {{ period_start }}
            then {{ financial_year(hi) }} - {{ financial_year(start_date) }} + 1
        else {{ financial_year(hi) }} - {{ financial_year(dbt.dateadd('day', -1, period_start)) }}
    end
{%- endmacro %}
