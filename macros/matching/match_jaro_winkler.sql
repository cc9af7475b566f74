{#- The Jaro-Winkler similarity of two names (0 to 1), as DuckDB's
    jaro_winkler_similarity computes it: matches within a window of
    max(length) / 2 - 1, half the out-of-order matches as transpositions, and
    the Winkler boost (0.1 per common leading letter, at most 4) above 0.7.
    Only engines with string functions have it (match_fuzzy_name_similar). -#}
{% macro match_jaro_winkler(a, b) -%}
  {{ return(adapter.dispatch('match_jaro_winkler', 'costcalc')(a, b)) }}
{%- endmacro %}

{% macro default__match_jaro_winkler(a, b) -%}
  {{ exceptions.raise_compiler_error("match_jaro_winkler: no Jaro-Winkler similarity on " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__match_jaro_winkler(a, b) -%}
  jaro_winkler_similarity({{ a }}, {{ b }})
{%- endmacro %}

{#- costcalc's PL/pgSQL function, created by the on-run-start hook (match_string_functions). -#}
{% macro postgres__match_jaro_winkler(a, b) -%}
  intermediate.costcalc_jaro_winkler({{ a }}, {{ b }})
{%- endmacro %}

{#- SQL Server 2025 (var sqlserver_2025): JARO_WINKLER_DISTANCE is 1 - similarity, as a float
    (JARO_WINKLER_SIMILARITY is rounded to a whole percentage). -#}
{% macro sqlserver__match_jaro_winkler(a, b) -%}
  (1.0 - jaro_winkler_distance(cast({{ a }} as nvarchar(4000)), cast({{ b }} as nvarchar(4000))))
{%- endmacro %}

{#- Spark has no Jaro-Winkler function: the same computation in higher-order
    functions. aggregate() walks a's letters, keeping which of b's letters are
    taken (bh) and the positions in a that matched (am); its finish step
    counts matches and transpositions; the one-element aggregate()s only bind
    a value to a name (Spark SQL has no LET). -#}
{% macro spark__match_jaro_winkler(a, b) -%}
  aggregate(
    sequence(1, length({{ a }})),
    named_struct('bh', array_repeat(false, length({{ b }})), 'am', cast(array() as array<int>)),
    (acc, i) -> aggregate(
      array(coalesce(get(filter(sequence(1, length({{ b }})),
        j -> abs(i - j) <= greatest(greatest(length({{ a }}), length({{ b }})) div 2 - 1, 0)
             and not coalesce(get(acc.bh, j - 1), true)
             and substr({{ a }}, i, 1) = substr({{ b }}, j, 1)), 0), 0)),
      acc,
      (s, f) -> if(f > 0,
        named_struct('bh', transform(s.bh, (x, k) -> x or k = f - 1), 'am', concat(s.am, array(i))),
        s)),
    acc -> aggregate(
      array(if(size(acc.am) = 0, cast(0 as double),
        (size(acc.am) / length({{ a }}) + size(acc.am) / length({{ b }})
         + (size(acc.am) - size(filter(zip_with(
               transform(acc.am, i -> substr({{ a }}, i, 1)),
               transform(filter(sequence(1, length({{ b }})), j -> coalesce(get(acc.bh, j - 1), false)),
                         j -> substr({{ b }}, j, 1)),
               (x, y) -> x <> y), z -> z)) div 2) / size(acc.am)) / 3)),
      cast(0 as double),
      (s, jaro) -> if(jaro > 0.7,
        jaro + aggregate(sequence(1, least(4, length({{ a }}), length({{ b }}))), 0,
                         (p, k) -> if(p = k - 1 and substr({{ a }}, k, 1) = substr({{ b }}, k, 1), k, p))
               * 0.1 * (1 - jaro),
        jaro)))
{%- endmacro %}
