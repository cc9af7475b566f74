{#- The per-field agreement columns of restricted.match_links, all NULL: for
    links no pairwise comparison made (identical details, manual decisions). -#}
{% macro no_field_levels() -%}
    {%- for field in ['nhs', 'ni', 'surname', 'firstname', 'dob', 'postcode', 'reference', 'address'] %}
        cast(null as {{ dbt.type_string() }}) as {{ field }}_level,
    {%- endfor %}
{%- endmacro %}
