{#- Two different names one edit apart: one letter inserted, deleted or
    replaced, or two adjacent letters swapped (a Damerau-Levenshtein distance
    of 1, as DuckDB's damerau_levenshtein). -#}
{% macro match_one_edit(a, b) -%}
  {{ return(adapter.dispatch('match_one_edit', 'costcalc')(a, b)) }}
{%- endmacro %}

{% macro default__match_one_edit(a, b) -%}
  {{ exceptions.raise_compiler_error("match_one_edit: no edit distance on " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__match_one_edit(a, b) -%}
  damerau_levenshtein({{ a }}, {{ b }}) = 1
{%- endmacro %}

{#- fuzzystrmatch's levenshtein (created by match_string_functions) takes at most
    255 characters: longer names are never one edit apart here. A swap is a
    Levenshtein distance of 2 between names of one length, checked position by position. -#}
{% macro postgres__match_one_edit(a, b) -%}
  (case
    when greatest(length({{ a }}), length({{ b }})) > 255 or abs(length({{ a }}) - length({{ b }})) > 1 then false
    when levenshtein({{ a }}, {{ b }}) = 1 then true
    when length({{ a }}) = length({{ b }}) and levenshtein({{ a }}, {{ b }}) = 2
      then exists (
        select 1 from generate_series(1, length({{ a }}) - 1) as swap (i)
        where overlay({{ a }} placing substr({{ a }}, swap.i + 1, 1) || substr({{ a }}, swap.i, 1) from swap.i for 2)
          = {{ b }})
    else false
  end)
{%- endmacro %}

{% macro spark__match_one_edit(a, b) -%}
  (levenshtein({{ a }}, {{ b }}) = 1
   or (length({{ a }}) = length({{ b }}) and levenshtein({{ a }}, {{ b }}) = 2
       and exists(sequence(1, greatest(length({{ a }}) - 1, 1)),
                  i -> concat(substr({{ a }}, 1, i - 1), substr({{ a }}, i + 1, 1), substr({{ a }}, i, 1),
                              substr({{ a }}, i + 2)) = {{ b }})))
{%- endmacro %}

{#- SQL Server 2025 (var sqlserver_2025): EDIT_DISTANCE counts no swaps, so a swap is
    checked as on PostgreSQL, over GENERATE_SERIES (SQL Server 2022 and later). -#}
{% macro sqlserver__match_one_edit(a, b) -%}
  (case
    when abs(len({{ a }}) - len({{ b }})) > 1 then 0
    when edit_distance(cast({{ a }} as nvarchar(4000)), cast({{ b }} as nvarchar(4000))) = 1 then 1
    when len({{ a }}) = len({{ b }})
      and edit_distance(cast({{ a }} as nvarchar(4000)), cast({{ b }} as nvarchar(4000))) = 2
      and exists (
        select 1 from generate_series(1, len({{ a }}) - 1) as swap
        where stuff({{ a }}, swap.value, 2, substring({{ a }}, swap.value + 1, 1) + substring({{ a }}, swap.value, 1))
          = {{ b }})
      then 1
    else 0
  end = 1)
{%- endmacro %}
