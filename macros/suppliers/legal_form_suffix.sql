{#- A supplier name (trimmed, spaces collapsed) with its legal-form suffix written one
    way: a final 'Limited', 'Ltd' or 'Ltd.' as 'Ltd', a final 'PLC', 'plc' or 'plc.' as
    'plc' (any case). Nothing else in the name changes (docs/reports.md, "Suppliers"). -#}
{% macro legal_form_suffix(name) -%}
    case
        when upper({{ name }}) like '% LIMITED'
            then {{ dbt.concat(['substring(' ~ name ~ ', 1, ' ~ dbt.length(name) ~ ' - 8)', "' Ltd'"]) }}
        when upper({{ name }}) like '% LTD.'
            then {{ dbt.concat(['substring(' ~ name ~ ', 1, ' ~ dbt.length(name) ~ ' - 5)', "' Ltd'"]) }}
        when upper({{ name }}) like '% LTD'
            then {{ dbt.concat(['substring(' ~ name ~ ', 1, ' ~ dbt.length(name) ~ ' - 4)', "' Ltd'"]) }}
        when upper({{ name }}) like '% PLC.'
            then {{ dbt.concat(['substring(' ~ name ~ ', 1, ' ~ dbt.length(name) ~ ' - 5)', "' plc'"]) }}
        when upper({{ name }}) like '% PLC'
            then {{ dbt.concat(['substring(' ~ name ~ ', 1, ' ~ dbt.length(name) ~ ' - 4)', "' plc'"]) }}
        else {{ name }}
    end
{%- endmacro %}
