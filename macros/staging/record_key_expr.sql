{#- The record key: hash of the schema code and the natural key parts. A blank
    optional key column is replaced by the parts listed for it in
    `natural_key_when_blank`, or else by the person's normalised surname,
    dob and postcode. -#}
{% macro record_key_expr(s, qualifier='r') -%}
    {%- set parts = ["'" ~ s['code'] ~ "'"] -%}
    {%- set default_fallback = ['identity.surname', 'identity.dob', 'identity.postcode'] -%}
    {%- for part in s['natural_key'] -%}
        {%- set text = natural_key_part(s, part, qualifier) -%}
        {%- set col = (s['columns'] | selectattr('name', 'equalto', part) | list) -%}
        {%- if col and not col[0]['mandatory'] -%}
            {%- set fallback_parts = [] -%}
            {%- for fb in s['natural_key_when_blank'].get(part, default_fallback) -%}
                {%- do fallback_parts.append("coalesce(" ~ natural_key_part(s, fb, qualifier) ~ ", '')") -%}
                {%- do fallback_parts.append("'|'") -%}
            {%- endfor -%}
            {%- set text = "case when " ~ raw_column(part, qualifier) ~ " is null then "
                ~ dbt.concat(["'~blank~|'"] + fallback_parts) ~ " else " ~ text ~ " end" -%}
        {%- endif -%}
        {%- do parts.append("'|'") -%}
        {%- do parts.append("coalesce(" ~ text ~ ", '')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
