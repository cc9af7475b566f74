{#- The costing rules (docs/contract.md §3), implemented once and driven by
    schemas/frequencies.yaml through the registry. Frequencies arrive in their
    canonical names (the loader maps synonyms); they compare case-insensitively.

    A periodic record costs unit x multiply x d / divide for d days of overlap
    (start and end days included); a one-off costs its unit once, in the
    period holding its start day. Costs are unrounded doubles. -#}

{% macro _frequency_names(one_off) -%}
    {%- set names = [] -%}
    {%- for name, f in costcalc_frequencies().items() if (f['one_off'] or false) == one_off -%}
        {%- do names.append("'" ~ name | upper ~ "'") -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- True when the frequency is a one-off (false when NULL or periodic). -#}
{% macro is_one_off(frequency) -%}
    {{ return(adapter.dispatch('is_one_off', 'costcalc')(frequency)) }}
{%- endmacro %}
{% macro default__is_one_off(frequency) -%}
    coalesce(upper({{ frequency }}) in ({{ _frequency_names(true) | join(', ') }}), false)
{%- endmacro %}
{#- T-SQL has no boolean values (no coalesce of a predicate): the same truth, NULL-free. -#}
{% macro sqlserver__is_one_off(frequency) -%}
    ({{ frequency }} is not null and upper({{ frequency }}) in ({{ _frequency_names(true) | join(', ') }}))
{%- endmacro %}

{#- multiply or divide factor of a periodic frequency (NULL for one-off / unknown). -#}
{% macro frequency_factor(frequency, factor) -%}
    case upper({{ frequency }})
        {%- for name, f in costcalc_frequencies().items() if not f['one_off'] %}
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
        else
            cast({{ unit_cost }} as {{ type_double() }}) * {{ frequency_factor(frequency, 'multiply') }}
            * ({{ overlap_days(start_date, end_date, period_start, period_end) }})
            / {{ frequency_factor(frequency, 'divide') }}
    end
{%- endmacro %}
