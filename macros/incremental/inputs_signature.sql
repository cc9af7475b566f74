{#- What a kept model's rows are forgotten by (forget_changed): one 60- to
    64-bit number from a key and its fingerprint (the inputs model's
    inputs_hash), worked out once per key in the inputs model and stored on
    every kept row beside inputs_hash. Comparing the one number of 14-18M
    stored rows with the inputs is several times cheaper than comparing the
    two strings (docs/scale.md, "Incremental builds"). NULL when the
    fingerprint is NULL, so that such a key never matches and is worked out
    every build, as before. Only two equal numbers could keep a changed
    key's rows: the key is in the number, so it takes a changed fingerprint
    of one key landing on the number of a stored key, odds of about one in
    2^60 (2^63 on DuckDB and PostgreSQL) for each changed key. -#}
{% macro inputs_signature(key, inputs_hash) %}
    {{ return(adapter.dispatch('inputs_signature', 'costcalc')(key, inputs_hash)) }}
{% endmacro %}

{% macro default__inputs_signature(key, inputs_hash) -%}
    case when {{ inputs_hash }} is not null
        then cast(conv(substr(md5(concat(cast({{ key }} as string), '|', {{ inputs_hash }})), 1, 15), 16, 10) as bigint)
    end
{%- endmacro %}

{#- DuckDB's own hash (ten times cheaper than an MD5 of the two: 0.02 against 0.24 s of CPU
    for 200,000 keys). A DuckDB release that changed it would change every signature, and
    the first build after the upgrade would work every key out again: slower, not wrong. -#}
{% macro duckdb__inputs_signature(key, inputs_hash) -%}
    case when {{ inputs_hash }} is not null then cast(hash({{ key }}, {{ inputs_hash }}) >> 1 as bigint) end
{%- endmacro %}

{#- hashtextextended: the hash PostgreSQL partitions tables by, so it stays the same across releases -#}
{% macro postgres__inputs_signature(key, inputs_hash) -%}
    case when {{ inputs_hash }} is not null
        then hashtextextended(cast({{ key }} as text) || '|' || {{ inputs_hash }}, 0)
    end
{%- endmacro %}

{% macro sqlserver__inputs_signature(key, inputs_hash) -%}
    case when {{ inputs_hash }} is not null
        then convert(bigint, substring(hashbytes('MD5', concat(cast({{ key }} as varchar(400)), '|', {{ inputs_hash }})), 1, 8))
    end
{%- endmacro %}

{% macro spark__inputs_signature(key, inputs_hash) -%}
    case when {{ inputs_hash }} is not null then xxhash64(cast({{ key }} as string), {{ inputs_hash }}) end
{%- endmacro %}
