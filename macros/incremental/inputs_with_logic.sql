{#- The body of a kept model's inputs view whose fingerprint is another
    model's with the kept model's own logic folded in
    (int_household_observation_inputs: the load's fingerprint and
    household_rows_logic(); int_match_record_inputs: the record's and
    match_record_details_logic()): one row per `key` of `inputs`, its
    fingerprint inputs_hash (an MD5 of the inputs' fingerprint and `logic`,
    so that a change to either works the key out again) and inputs_signature,
    the number forget_changed compares (docs/scale.md, "Incremental
    builds"). -#}
{% macro inputs_with_logic(inputs, key, logic) -%}
with fingerprints as (

    select
        {{ key }},
        {{ dbt.hash(dbt.concat(['inputs_hash', "'|'", "'" ~ logic ~ "'"])) }} as inputs_hash
    from {{ inputs }}

)

select
    {{ key }},
    inputs_hash,
    -- the number the kept rows are compared by (macros/incremental/inputs_signature.sql)
    {{ inputs_signature(key, 'inputs_hash') }} as inputs_signature
from fingerprints
{%- endmacro %}
