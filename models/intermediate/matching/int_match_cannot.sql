{#- Pairs of identity profiles no cluster may hold together: manual unlinks
    (by_person = 1) and pairs int_match_pairs keeps apart (conflicting NHS or
    NI numbers, different first names). -#}
select ra.profile_key as a, rb.profile_key as b, 1 as by_person
from {{ ref('int_match_decisions') }} as d
inner join {{ ref('int_match_records') }} as ra on ra.record_key = d.record_key_a
inner join {{ ref('int_match_records') }} as rb on rb.record_key = d.record_key_b
where d.decision = 'unlink'
union all
select pk_a as a, pk_b as b, 0 as by_person
from {{ ref('int_match_pairs') }}
where is_apart = 1
