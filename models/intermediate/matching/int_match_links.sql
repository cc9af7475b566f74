{#-
  The edges clustering works on, between identity profiles: every automatic
  link (a scored pair at or above the threshold, without a conflict) that no
  manual `unlink` decision vetoes, and every manual `link`.
-#}
{{ config(materialized='table') }}

with decisions as (
    select
        d.decision,
        case when ra.profile_key < rb.profile_key then ra.profile_key else rb.profile_key end as pk_a,
        case when ra.profile_key < rb.profile_key then rb.profile_key else ra.profile_key end as pk_b
    from {{ ref('int_match_decisions') }} as d
    inner join {{ ref('int_match_records') }} as ra on ra.record_key = d.record_key_a
    inner join {{ ref('int_match_records') }} as rb on rb.record_key = d.record_key_b
),

automatic as (
    select p.pk_a, p.pk_b, p.score, p.rule, 0 as is_manual
    from {{ ref('int_match_pairs') }} as p
    left join decisions as u
        on u.decision = 'unlink' and u.pk_a = p.pk_a and u.pk_b = p.pk_b
    where p.is_link = 1 and u.pk_a is null
),

manual as (
    select pk_a, pk_b, cast(null as {{ dbt.type_float() }}) as score, 'manual_link' as rule, 1 as is_manual
    from decisions
    where decision = 'link' and pk_a <> pk_b
)

select * from automatic
union all
select * from manual
