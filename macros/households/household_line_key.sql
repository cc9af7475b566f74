{#- An address line compared for households: upper case, without spaces or
    punctuation, with a few spellings made one (STREET/ST, ROAD/RD,
    AVENUE/AVE, APARTMENT/FLAT). Flat and house numbers stay in the text, so
    "Flat 2, 10 High St", "Flat 3, 10 High St" and "12 High St" stay apart. -#}
{% macro household_line_text(expr) -%}
    {%- set ns = namespace(text=normalise_name(expr)) -%}
    {%- for long, short in [('APARTMENT', 'FLAT'), ('STREET', 'ST'), ('ROAD', 'RD'), ('AVENUE', 'AVE')] -%}
        {%- set ns.text = "replace(" ~ ns.text ~ ", '" ~ long ~ "', '" ~ short ~ "')" -%}
    {%- endfor -%}
    {{ ns.text }}
{%- endmacro %}

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
