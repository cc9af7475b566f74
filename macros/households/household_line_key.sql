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
        {%- set bare = "coalesce(" ~ regexp_remove(line1, '[0-9]') ~ ", '')" -%}
        case
            when {{ postcode_norm }} is null or {{ line1 }} is null then null
            when {{ bare }} in ('', 'FLAT', 'FLT', 'UNIT', 'ROOM', 'APT', 'NO')
                then {{ dbt.concat([postcode_norm, "'|'", line1, "'|'", "coalesce(" ~ line2 ~ ", '')"]) }}
            else {{ dbt.concat([postcode_norm, "'|'", line1]) }}
        end
    {%- endif -%}
{%- endmacro %}
