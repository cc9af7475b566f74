{#- The candidate pairs of identity profiles the blocking rules bring together
    (int_match_block_keys, skipped blocks left out: docs/matching.md "Skew"),
    each once, smaller profile key first. Scored by int_match_pairs and
    sampled by int_match_weight_estimates, so both see the same pairs. -#}
{% macro match_blocked_pairs() -%}
    select distinct a.profile_key as pk_a, b.profile_key as pk_b
    from {{ ref('int_match_block_keys') }} as a
    inner join {{ ref('int_match_block_keys') }} as b
        on b.rule_no = a.rule_no and b.block_key = a.block_key and b.profile_key > a.profile_key
    where a.is_skipped = 0 and b.is_skipped = 0
{%- endmacro %}
