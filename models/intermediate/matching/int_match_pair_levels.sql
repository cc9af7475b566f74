{#-
  Each candidate pair's agreement levels (match_pair_levels), kept between
  builds: the costly part of matching (string comparisons on every candidate
  pair). Incremental (docs/matching.md, "Incremental builds"): a pair's
  levels depend on nothing but the two profiles' matching details and the
  comparison itself, so each row carries the fingerprints of both profiles
  (int_match_profiles.match_fp) and of the comparison (match_levels_logic).
  The pre-hook (match_pair_levels_forget_stale) deletes the pairs whose
  profile is gone or changed, that are no longer candidates
  (int_match_candidates), or that were compared by another comparison; the
  model then compares the candidates without a stored row: those with a new
  or changed profile, and old pairs a change of the skew limit's verdict
  brought back. Everything global (term frequencies, the weights, the
  threshold) is applied afterwards, in full, by int_match_pairs, so the
  scores are those of a full build. Spark's parquet tables cannot delete
  rows: there it is a table built in full. `costcalc build --full-refresh`
  rebuilds it in full.
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ match_pair_levels_forget_stale(this) }}"
) }}
-- depends_on: {{ ref('int_match_profiles') }}

with p as (
    select * from {{ ref('int_match_profiles') }}
),

candidates as (
    select c.pk_a, c.pk_b
    from {{ ref('int_match_candidates') }} as c
    {%- if is_incremental() %}
    -- only the pairs without stored levels (the pre-hook deleted the stale ones)
    where
        not exists (
            select 1 from {{ this }} as stored
            where stored.pk_a = c.pk_a and stored.pk_b = c.pk_b
        )
    {%- endif %}
)

select
    c.pk_a,
    c.pk_b,
    a.match_fp as fp_a,
    b.match_fp as fp_b,
    cast('{{ match_levels_logic() }}' as {{ dbt.type_string() }}) as levels_logic,
    {{ match_pair_levels('a', 'b') }},
    -- which build compared the pair (dbt's invocation id): pairs an incremental build kept keep an earlier one
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as levelled_by_invocation
from candidates as c
inner join p as a on a.profile_key = c.pk_a
inner join p as b on b.profile_key = c.pk_b
