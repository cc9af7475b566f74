{#- The key an address is looked up by in the gazetteer (int_gazetteer_addresses):
    the normalised postcode, '|', then the address lines (household_line_text)
    run together from the first, each next line added while the text so far is
    only a flat, room or house number. So "Flat 2, 10 High Street", the two
    lines "Flat 2" / "10 High St" and the three "FLAT 2" / "10" / "High Street"
    are one key (PC|FLAT210HIGHST), while "Flat 3, 10 High St" and "12 High St"
    are others. NULL without a postcode or a first line.
    address_columns: the address line columns, in order; postcode_norm: SQL. -#}
{% macro household_uprn_key(address_columns, postcode_norm, qualifier='r') -%}
    {%- if not address_columns -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        {%- set lines = [] -%}
        {%- for c in address_columns[:3] -%}
            {%- do lines.append(household_line_text(raw_column(c, qualifier))) -%}
        {%- endfor -%}
        {%- set l1 = lines[0] -%}
        {%- set l2 = "coalesce(" ~ lines[1] ~ ", '')" if lines | length > 1 else "''" -%}
        {%- set l3 = "coalesce(" ~ lines[2] ~ ", '')" if lines | length > 2 else "''" -%}
        case
            when {{ postcode_norm }} is null or {{ l1 }} is null then null
            when {{ household_bare_line(l1) }} and {{ household_bare_line(dbt.concat([l1, l2])) }}
                then {{ dbt.concat([postcode_norm, "'|'", l1, l2, l3]) }}
            when {{ household_bare_line(l1) }}
                then {{ dbt.concat([postcode_norm, "'|'", l1, l2]) }}
            else {{ dbt.concat([postcode_norm, "'|'", l1]) }}
        end
    {%- endif -%}
{%- endmacro %}
