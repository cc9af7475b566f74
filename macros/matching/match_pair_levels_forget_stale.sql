{#- Part of incremental matching: see int_match_pair_levels.sql. -#}

{#- int_match_pair_levels' pre-hook on an incremental build: delete the stored
    pairs that are no longer current: one of the two profiles is gone or its
    fingerprint changed (int_match_profiles.match_fp: new or changed records, a
    manual decision, an unload, a placeholder or name-variant seed), the pair is
    no longer a candidate (int_match_candidates: a blocking value went over the
    skew limit, a reference left), or the comparison changed
    (match_levels_logic). The model then compares the candidates without a
    stored row. Delete and insert run in the model's one transaction. -#}
{% macro match_pair_levels_forget_stale(this_relation) -%}
    {%- if is_incremental() -%}
    {%- set t = this_relation.identifier -%}
    delete from {{ this_relation }}
    where {{ t }}.levels_logic <> '{{ match_levels_logic() }}'
       or not exists (
        select 1 from {{ ref('int_match_profiles') }} as pa
        where pa.profile_key = {{ t }}.pk_a and pa.match_fp = {{ t }}.fp_a
       )
       or not exists (
        select 1 from {{ ref('int_match_profiles') }} as pb
        where pb.profile_key = {{ t }}.pk_b and pb.match_fp = {{ t }}.fp_b
       )
       or not exists (
        select 1 from {{ ref('int_match_candidates') }} as c
        where c.pk_a = {{ t }}.pk_a and c.pk_b = {{ t }}.pk_b
       )
    {%- endif -%}
{%- endmacro %}
