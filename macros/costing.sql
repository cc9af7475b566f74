{#- The costing rules (contract section 3), implemented once and driven by
    schemas/frequencies.yaml through the registry. Frequencies arrive in their
    canonical names (the loader maps synonyms); they compare case-insensitively.

    A periodic record costs unit x multiply x d / divide for d days of overlap
    (start and end days included); a one-off costs its unit once, in the
    period holding its start day; a per-financial-year (Intermittent) record
    costs its unit once for each financial year (1 April to 31 March) it
    overlaps, in the period holding its first day in that year. Costs are
    unrounded doubles. -#}

{#- Quoted upper-case names of the frequencies charged `charge` ('day', 'once' or 'financial_year'). -#}
{% macro _frequency_names(charge) -%}
    {%- set names = [] -%}
    {%- for name, f in costcalc_frequencies().items() if _frequency_charge(f) == charge -%}
        {%- do names.append("'" ~ name | upper ~ "'") -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- How a frequency charges: 'once', 'financial_year' or 'day'. -#}
{% macro _frequency_charge(f) -%}
    {{ return('once' if f['one_off'] else ('financial_year' if f['per_financial_year'] else 'day')) }}
{%- endmacro %}

{#- True when the frequency is a one-off (false when NULL or periodic). -#}
{% macro is_one_off(frequency) -%}
    {{ return(adapter.dispatch('is_one_off', 'costcalc')(frequency)) }}
{%- endmacro %}
{% macro default__is_one_off(frequency) -%}
    coalesce(upper({{ frequency }}) in ({{ _frequency_names('once') | join(', ') }}), false)
{%- endmacro %}
{#- T-SQL has no boolean values (no coalesce of a predicate): the same truth, NULL-free. -#}
{% macro sqlserver__is_one_off(frequency) -%}
    ({{ frequency }} is not null and upper({{ frequency }}) in ({{ _frequency_names('once') | join(', ') }}))
{%- endmacro %}

{#- True when the frequency is charged once per financial year (false when NULL or another). -#}
{% macro is_per_financial_year(frequency) -%}
    {{ return(adapter.dispatch('is_per_financial_year', 'costcalc')(frequency)) }}
{%- endmacro %}
{% macro default__is_per_financial_year(frequency) -%}
    coalesce(upper({{ frequency }}) in ({{ _frequency_names('financial_year') | join(', ') }}), false)
{%- endmacro %}
{% macro sqlserver__is_per_financial_year(frequency) -%}
    ({{ frequency }} is not null and upper({{ frequency }}) in ({{ _frequency_names('financial_year') | join(', ') }}))
{%- endmacro %}

{#- multiply or divide factor of a per-day frequency (NULL for the others / unknown). -#}
{% macro frequency_factor(frequency, factor) -%}
    case upper({{ frequency }})
        {%- for name, f in costcalc_frequencies().items() if _frequency_charge(f) == 'day' %}
        when '{{ name | upper }}' then {{ f[factor] }}
        {%- endfor %}
    end
{%- endmacro %}

{#- Cost per day of a periodic record (NULL for a one-off). -#}
{% macro cost_per_day(unit_cost, frequency) -%}
    cast({{ unit_cost }} as {{ type_double() }}) * {{ frequency_factor(frequency, 'multiply') }} / {{ frequency_factor(frequency, 'divide') }}
{%- endmacro %}

{#- The single charge of a one-off record (NULL for periodic ones). -#}
{% macro one_off_cost(unit_cost, frequency) -%}
    case when {{ is_one_off(frequency) }} then cast({{ unit_cost }} as {{ type_double() }}) end
{%- endmacro %}

{#- The charge of a per-financial-year record for each financial year (NULL for the others). -#}
{% macro financial_year_cost(unit_cost, frequency) -%}
    case when {{ is_per_financial_year(frequency) }} then cast({{ unit_cost }} as {{ type_double() }}) end
{%- endmacro %}

{#- The financial year (1 April to 31 March) holding a date, named by the
    calendar year it starts in: 2024-04-01 .. 2025-03-31 is 2024. -#}
{% macro financial_year(date_expr) -%}
    {{ date_part_of('year', dbt.dateadd('month', -3, date_expr)) }}
{%- endmacro %}

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

{#- Days a record and a period share, both ends included (0 when none). -#}
{% macro overlap_days(start_date, end_date, period_start, period_end) -%}
    case
        when {{ later_date(start_date, period_start) }} <= {{ earlier_date(end_date, period_end) }}
        then {{ dbt.datediff(later_date(start_date, period_start), earlier_date(end_date, period_end), 'day') }} + 1
        else 0
    end
{%- endmacro %}

{#- The cost of one record in a period [period_start, period_end]. -#}
{% macro period_cost(start_date, end_date, unit_cost, frequency, period_start, period_end) -%}
    case
        when {{ is_one_off(frequency) }} then
            case when {{ start_date }} >= {{ period_start }} and {{ start_date }} <= {{ period_end }}
                 then cast({{ unit_cost }} as {{ type_double() }}) else 0 end
        when {{ is_per_financial_year(frequency) }} then
            cast({{ unit_cost }} as {{ type_double() }})
            * ({{ financial_year_starts(start_date, end_date, period_start, period_end) }})
        else
            cast({{ unit_cost }} as {{ type_double() }}) * {{ frequency_factor(frequency, 'multiply') }}
            * ({{ overlap_days(start_date, end_date, period_start, period_end) }})
            / {{ frequency_factor(frequency, 'divide') }}
    end
{%- endmacro %}
