{#- Part of the skew bound of blocking: see match_max_block_comparisons.sql. -#}

{#- A blocking rule's key as one text value (NULL when any of its columns is). -#}
{% macro match_block_key(columns) -%}
  {%- if columns | length == 1 -%}
    cast({{ columns[0] }} as {{ dbt.type_string() }})
  {%- else -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
      {%- do parts.append('cast(' ~ c ~ ' as ' ~ dbt.type_string() ~ ')') -%}
      {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
  {%- endif -%}
{%- endmacro %}
