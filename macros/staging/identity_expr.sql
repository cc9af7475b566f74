{#- One identity field of a schema as SQL (typed NULL when the schema lacks it). -#}
{% macro identity_expr(s, field, qualifier='', normalised=false) -%}
    {%- set col = s['identity'].get(field) -%}
    {%- if field == 'address' -%}
        {%- if col -%}
            {%- set parts = [] -%}
            {%- for c in col -%}{%- do parts.append(_raw_col(c, qualifier)) -%}{%- endfor -%}
            {{ join_non_null(parts) }}
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif -%}
    {%- elif not col -%}
        cast(null as {{ 'date' if field == 'dob' else dbt.type_string() }})
    {%- elif field == 'dob' -%}
        cast({{ _raw_col(col, qualifier) }} as date)
    {%- elif normalised and field in ('surname', 'firstname') -%}
        {{ normalise_name(_raw_col(col, qualifier)) }}
    {%- elif normalised and field == 'postcode' -%}
        {{ normalise_postcode(_raw_col(col, qualifier)) }}
    {%- elif normalised -%}
        {{ normalise_identifier(_raw_col(col, qualifier)) }}
    {%- else -%}
        cast({{ _raw_col(col, qualifier) }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- A raw column, optionally qualified. -#}
{% macro _raw_col(name, qualifier) -%}
    {{ qualifier ~ '.' if qualifier }}{{ adapter.quote(name) }}
{%- endmacro %}
