{#- The household type of the pathways comparison (docs/pathways.md), from a
    dim_household row aliased `household` (left-joined: no row, no household). -#}
{% macro pathways_household_type(household) -%}
    case
        when {{ household }}.household_id is null then 'No household known'
        when cast({{ household }}.with_children as {{ dbt.type_int() }}) = 1 then 'With children'
        when {{ household }}.max_members = 1 then 'One person'
        else 'Adults, no children'
    end
{%- endmacro %}
