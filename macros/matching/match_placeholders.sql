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

{#- Upper case, without spaces or hyphens. -#}
{% macro match_compact(expr) -%}
  {{ dbt.replace(dbt.replace('upper(trim(' ~ expr ~ '))', "' '", "''"), "'-'", "''") }}
{%- endmacro %}

{#- Which records hold placeholders: a query with one row per record of
    `source` (aliased s) that holds at least one, with a 0/1 column per field.
    `fields` is a list of (identifier, expression over s, column name[, flag]);
    with a flag, only placeholders listed with that flag count. `rows` names the
    CTE of match_placeholder_rows(). A join, not EXISTS in the select list, so
    that every engine (Spark too) runs it. -#}
{% macro match_placeholder_hits(source, key, fields, rows='placeholders') -%}
  {%- set conds = [] -%}
  {%- for f in fields -%}
    {%- set cond = "ph.identifier = '" ~ f[0] ~ "'" ~ (" and ph.flag = '" ~ f[3] ~ "'" if f | length > 3 else "")
        ~ " and (ph.value = " ~ f[1] ~ " or (ph.kind = 'prefix' and "
        ~ match_substr(f[1], 1, dbt.length('ph.value')) ~ " = ph.value))" -%}
    {%- do conds.append(cond) -%}
  {%- endfor %}
    select
        s.{{ key }},
        {%- for f in fields %}
        max(case when {{ conds[loop.index0] }} then 1 else 0 end) as {{ f[2] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source }} s
    join {{ rows }} ph on
        {%- for c in conds %}
        ({{ c }}){{ ' or' if not loop.last }}
        {%- endfor %}
    group by s.{{ key }}
{%- endmacro %}

{#- The share of placeholder-free profiles with this value of `col` (counting
    the profile itself when it has a placeholder). -#}
{% macro match_clean_tf(col) -%}
    cast(sum(1 - has_placeholder) over (partition by {{ col }}) + has_placeholder as {{ dbt.type_float() }})
      / (case when sum(1 - has_placeholder) over () > 0 then sum(1 - has_placeholder) over () else 1 end)
{%- endmacro %}
