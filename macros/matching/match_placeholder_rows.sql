{#-
  Placeholders (seeds/match_placeholders.csv, docs/matching.md "Placeholders"):
  values that stand in for a detail nobody knows (surname "Unknown", date of
  birth 1900-01-01, postcode ZZ99 3VZ, NHS number 0000000000, NI numbers TN...).
  Matching treats them as missing. The loader reads the same seed
  (loader/costcalc/placeholders.py) and normalises values the same way.
-#}

{#- The seed's rows, values normalised as int_match_records compares them:
    names letters only, upper case; dates of birth as ISO text; postcodes, NHS
    and NI numbers upper case without spaces or hyphens. Use as a CTE. -#}
{% macro match_placeholder_rows() -%}
    select
        identifier,
        kind,
        case when identifier in ('surname', 'firstname') then {{ match_letters('value') }}
             when identifier = 'dob' then trim(value)
             else {{ match_compact('value') }} end as value,
        flag
    from ({{ match_seed_or_empty('match_placeholders', [('identifier', dbt.type_string()), ('kind', dbt.type_string()),
                                                         ('value', dbt.type_string()), ('flag', dbt.type_string())]) }}) seed
{%- endmacro %}
