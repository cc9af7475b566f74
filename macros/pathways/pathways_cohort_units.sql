{#- One level's units of the pathways cohorts (fct_pathways_cohort; docs/pathways.md):
    its TA entrants (the CTE `entrants`, rows of `level`) and its comparison
    units (the relation `candidates`, one row per `id_column` and reference
    month), with the unit's id as `id_column`. An entrant keeps its entry date
    and whether its window is complete; a comparison unit has no entry date and
    a complete window (only complete windows get comparison units). -#}
{% macro pathways_cohort_units(level, id_column, candidates) -%}
    select
        'TA entrants' as cohort_group,
        window_months,
        reference_month,
        window_from,
        window_to,
        unit_id as {{ id_column }},
        entry_date,
        window_complete
    from entrants
    where level = '{{ level }}'

    union all

    select
        'Comparison' as cohort_group,
        window_months,
        reference_month,
        window_from,
        window_to,
        {{ id_column }},
        cast(null as date) as entry_date,
        1 as window_complete
    from {{ candidates }}
{%- endmacro %}
