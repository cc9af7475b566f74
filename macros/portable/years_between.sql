{#- Whole years from one date to another (an age). -#}
{% macro years_between(from_date, to_date) -%}
    ({{ dbt.datediff(from_date, to_date, 'year') }}
     - case when {{ date_part_of('month', to_date) }} < {{ date_part_of('month', from_date) }}
              or ({{ date_part_of('month', to_date) }} = {{ date_part_of('month', from_date) }}
                  and {{ date_part_of('day', to_date) }} < {{ date_part_of('day', from_date) }})
            then 1 else 0 end)
{%- endmacro %}
