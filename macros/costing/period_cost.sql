{#- The costing rules (docs/contract.md §3), implemented once in macros/costing/
    and driven by schemas/frequencies.yaml through the registry. Frequencies
    arrive in their canonical names (the loader maps synonyms); they compare
    case-insensitively.

    A periodic record costs unit x multiply x d / divide for d days of overlap
    (start and end days included); a one-off costs its unit once, in the
    period holding its start day; a per-financial-year (Intermittent) record
    costs its unit once for each financial year (1 April to 31 March) it
    overlaps, in the period holding its first day in that year. Costs are
    unrounded doubles. -#}

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
