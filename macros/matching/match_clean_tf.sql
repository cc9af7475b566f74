{#- Part of placeholders: see match_placeholder_rows.sql. -#}

{#- The share of placeholder-free profiles with this value of `col` (counting
    the profile itself when it has a placeholder). -#}
{% macro match_clean_tf(col) -%}
    cast(sum(1 - has_placeholder) over (partition by {{ col }}) + has_placeholder as {{ dbt.type_float() }})
      / (case when sum(1 - has_placeholder) over () > 0 then sum(1 - has_placeholder) over () else 1 end)
{%- endmacro %}
