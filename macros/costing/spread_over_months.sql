{#- Each row of `uses` once per calendar month it overlaps, from the month of
    start_date to the month of `end_expr`, with month_start and month_end
    (fct_cost_monthly). Default: a range join to int_months. DuckDB: a
    generated series per record, about four times faster at a million records
    (docs/scale.md). -#}
{% macro spread_over_months(uses, months, end_expr) %}
    {{ return(adapter.dispatch('spread_over_months', 'costcalc')(uses, months, end_expr)) }}
{% endmacro %}

{% macro default__spread_over_months(uses, months, end_expr) -%}
    select {{ uses }}.*, {{ months }}.month_start, {{ months }}.month_end
    from {{ uses }}
    inner join {{ months }}
        on {{ months }}.month_end >= {{ uses }}.start_date
        and {{ months }}.month_start <= {{ end_expr }}
{%- endmacro %}

{% macro duckdb__spread_over_months(uses, months, end_expr) -%}
    select spread.*, cast(last_day(spread.month_start) as date) as month_end
    from (
        select
            {{ uses }}.*,
            cast(unnest(generate_series(date_trunc('month', {{ uses }}.start_date),
                                        {{ end_expr }}, interval 1 month)) as date) as month_start
        from {{ uses }}
        where {{ uses }}.start_date >= date '1900-01-01'
          and {{ end_expr }} >= date_trunc('month', {{ uses }}.start_date)
    ) as spread
    where spread.month_start < date '2200-01-01'
{%- endmacro %}
