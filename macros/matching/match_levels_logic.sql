{#- Part of incremental matching: see int_match_pair_levels.sql. -#}

{#- The fingerprint of the comparison itself: an MD5 of match_pair_levels() as
    this build compiles it (every level, every var it reads, this engine's
    string functions). A stored pair's levels are kept only while it is the
    same, so a change to a level or to var match_similar_jw recompares every
    pair, with nothing to remember to raise. -#}
{% macro match_levels_logic() -%}
  {{- return(local_md5(match_pair_levels('a', 'b'))) -}}
{%- endmacro %}

{#- The names of the level columns match_pair_levels() makes (nhs_level,
    sn_level, ...): int_match_pair_levels stores them and int_match_pairs
    reads them, so a new level needs no change in either. -#}
{% macro match_level_columns() -%}
  {{- return(modules.re.findall('\\bas\\s+([a-z_0-9]+_level)\\b', match_pair_levels('a', 'b') | string)) -}}
{%- endmacro %}

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
