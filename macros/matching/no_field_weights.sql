{#- The per-field weight columns of restricted.match_links, all NULL: for
    links no pairwise comparison made (identical details, manual decisions). -#}
{% macro no_field_weights() -%}
    {%- for field in ['nhs', 'ni', 'surname', 'firstname', 'dob', 'postcode', 'reference', 'address'] %}
        cast(null as {{ dbt.type_float() }}) as {{ field }}_weight,
    {%- endfor %}
{%- endmacro %}
