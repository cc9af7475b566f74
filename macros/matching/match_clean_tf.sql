{#-
  Placeholders (seeds/match_placeholders.csv, docs/matching.md "Placeholders"):
  values that stand in for a detail nobody knows (surname "Unknown", date of
  birth 1900-01-01, postcode ZZ99 3VZ, NHS number 0000000000, NI numbers TN...).
  Matching treats them as missing. The loader reads the same seed
  (loader/costcalc/placeholders.py) and normalises values the same way.
-#}

{#- The share of placeholder-free profiles with this value of `col` (counting
    the profile itself when it has a placeholder). -#}
{% macro match_clean_tf(col) -%}
    cast(sum(1 - has_placeholder) over (partition by {{ col }}) + has_placeholder as {{ dbt.type_float() }})
      / (case when sum(1 - has_placeholder) over () > 0 then sum(1 - has_placeholder) over () else 1 end)
{%- endmacro %}
