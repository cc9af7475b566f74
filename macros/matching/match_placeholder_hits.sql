{#- Part of placeholders: see match_placeholder_rows.sql. -#}

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
