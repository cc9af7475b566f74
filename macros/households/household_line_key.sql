{#- The address of a raw row of schema `s` as one key: the normalised
    postcode and the first address line; when the first line is only a flat,
    room or house number ("Flat 2", "10") the second line is added. NULL when
    the row has no postcode or no first address line. -#}
{% macro household_line_key(s, postcode_norm, qualifier='r') -%}
    {%- set cols = s['identity'].get('address') or [] -%}
    {%- if not cols -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        {%- set line1 = household_line_text(raw_column(cols[0], qualifier)) -%}
        {%- set line2 = household_line_text(raw_column(cols[1], qualifier)) if cols | length > 1 else "''" -%}
        case
            when {{ postcode_norm }} is null or {{ line1 }} is null then null
            when {{ household_bare_line(line1) }}
                then {{ dbt.concat([postcode_norm, "'|'", line1, "'|'", "coalesce(" ~ line2 ~ ", '')"]) }}
            else {{ dbt.concat([postcode_norm, "'|'", line1]) }}
        end
    {%- endif -%}
{%- endmacro %}
