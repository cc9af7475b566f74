{#-
  Placeholders (seeds/match_placeholders.csv, docs/matching.md "Placeholders"):
  values that stand in for a detail nobody knows (surname "Unknown", date of
  birth 1900-01-01, postcode ZZ99 3VZ, NHS number 0000000000, NI numbers TN...).
  Matching treats them as missing. The loader reads the same seed
  (loader/costcalc/placeholders.py) and normalises values the same way.
-#}

{#- Upper case, without spaces or hyphens. -#}
{% macro match_compact(expr) -%}
  {{ dbt.replace(dbt.replace('upper(trim(' ~ expr ~ '))', "' '", "''"), "'-'", "''") }}
{%- endmacro %}
