{#- 1 when the first address line of a raw row of schema `s` names a communal
    establishment (a word of var household_shared_address_words, compared
    without spaces or punctuation: CAREHOME, HOSTEL, ...) and is not a unit of
    it (it does not start with FLAT, ROOM or UNIT); else 0. -#}
{% macro household_communal_flag(s, qualifier='r') -%}
    {%- set cols = s['identity'].get('address') or [] -%}
    {%- if not cols -%}
        0
    {%- else -%}
        {%- set line1 = household_line_text(raw_column(cols[0], qualifier)) -%}
        case
            when {{ line1 }} like 'FLAT%' or {{ line1 }} like 'ROOM%' or {{ line1 }} like 'UNIT%' then 0
            {%- for word in household_setting('household_shared_address_words') %}
            when {{ line1 }} like '%{{ word | upper | replace("'", "") | replace(" ", "") }}%' then 1
            {%- endfor %}
            else 0
        end
    {%- endif -%}
{%- endmacro %}
