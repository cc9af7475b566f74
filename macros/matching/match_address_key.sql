{#- The street line of an identity record's address (int_identity_records.address:
    the schema's address lines joined by ', ') as one key for matching: the first
    line, upper case without spaces or punctuation, STREET/ROAD/AVENUE/APARTMENT
    written ST/RD/AVE/FLAT (household_line_text); when the first line is only a
    flat, room or house number ("Flat 2", "10") the second line is added
    ("10, High Street" -> 10HIGHST). House numbers stay in the key, so neighbours
    differ. NULL when there is no address. Portable: split_part, replace and the
    digits-aware regexp_remove every engine has (macros/portable/). -#}
{% macro match_address_key(address) -%}
    {%- set line1 = household_line_text(dbt.split_part(address, "', '", 1)) -%}
    {%- set line2 = household_line_text(dbt.split_part(address, "', '", 2)) -%}
    case
        when {{ line1 }} is null then null
        when {{ household_bare_line(line1) }} then {{ dbt.concat([line1, "coalesce(" ~ line2 ~ ", '')"]) }}
        else {{ line1 }}
    end
{%- endmacro %}
