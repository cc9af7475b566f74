{#- One identity field of a schema as SQL (typed NULL when the schema lacks it). -#}
{% macro identity_expr(s, field, qualifier='', normalised=false) -%}
    {%- set col = s['identity'].get(field) -%}
    {%- if field == 'address' -%}
        {%- if col -%}
            {%- set parts = [] -%}
            {%- for c in col -%}{%- do parts.append(raw_column(c, qualifier)) -%}{%- endfor -%}
            {{ join_non_null(parts) }}
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif -%}
    {%- elif not col -%}
        cast(null as {{ 'date' if field == 'dob' else dbt.type_string() }})
    {%- elif field == 'dob' -%}
        cast({{ raw_column(col, qualifier) }} as date)
    {%- elif normalised and field in ('surname', 'firstname') -%}
        {{ normalise_name(raw_column(col, qualifier)) }}
    {%- elif normalised and field == 'postcode' -%}
        {{ normalise_postcode(raw_column(col, qualifier)) }}
    {%- elif normalised -%}
        {{ normalise_identifier(raw_column(col, qualifier)) }}
    {%- else -%}
        cast({{ raw_column(col, qualifier) }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
