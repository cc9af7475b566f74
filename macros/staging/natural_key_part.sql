{#- One natural-key part as text. `identity.x` is the normalised identity field,
    `service_use.x` the service-use field, anything else a raw column. -#}
{% macro natural_key_part(s, part, qualifier) -%}
    {%- if part.startswith('identity.') -%}
        {%- set expr = identity_expr(s, part[9:], qualifier, normalised=true) -%}
    {%- elif part.startswith('service_use.') -%}
        {%- set expr = service_use_expr(s['service_use'][part[12:]], qualifier) -%}
    {%- else -%}
        {%- set expr = raw_column(part, qualifier) -%}
    {%- endif -%}
    cast({{ expr }} as {{ dbt.type_string() }})
{%- endmacro %}
