{#- Days a record and a period share, both ends included (0 when none). -#}
{% macro overlap_days(start_date, end_date, period_start, period_end) -%}
    case
        when {{ later_date(start_date, period_start) }} <= {{ earlier_date(end_date, period_end) }}
        then {{ dbt.datediff(later_date(start_date, period_start), earlier_date(end_date, period_end), 'day') }} + 1
        else 0
    end
{%- endmacro %}
