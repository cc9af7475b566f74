{#-
  restricted.match_links: the evidence for every link between two identity
  records, queryable in the warehouse (it relates records holding personal
  data, so it lives in the restricted schema).

  rule:
    identical_details   the two records carry identical matching details
    nhs_number          a scored link with the same valid NHS number (or that
                        number and no name or date of birth to compare)
    ni_number           a scored link with the same valid NI number
    weighted_score      a scored link on names, date of birth and postcode
    manual_link         seeds/match_decisions.csv says they are the same person
    manual_unlink       seeds/match_decisions.csv says they are not (no link)
    nhs_number_conflict / ni_number_conflict / first_name_conflict
                        scored at or above the threshold, but the records hold
                        different valid NHS / NI numbers or different first
                        names (no link)
  *_level / *_weight: each field's agreement level and the weight it added to
  the score (this build's weights: int_match_weight_estimates).
  is_link (1/0): the link counts for clustering; same_cluster (1/0): the two
  records ended in one cluster (0 for a link cut because it would have joined
  records that must stay apart).
-#}

with clusters as (
    select record_key, profile_key, cluster_key from {{ ref('int_match_clusters') }}
),

profiles as (
    select profile_key, rep_record_key, n_records from {{ ref('int_match_profiles') }}
),

decisions as (
    select * from {{ ref('int_match_decisions') }}
),

identical as (
    select
        p.rep_record_key as record_key_a,
        c.record_key as record_key_b,
        'identical_details' as rule,
        cast(null as {{ dbt.type_float() }}) as score,
        {{ no_field_levels() }}
        {{ no_field_weights() }}
        cast(null as {{ dbt.type_string() }}) as decided_by,
        cast(null as {{ dbt.type_string() }}) as reason,
        1 as is_link
    from clusters as c
    inner join profiles as p on p.profile_key = c.profile_key
    where p.n_records > 1 and c.record_key <> p.rep_record_key
),

scored as (
    select
        p.record_key_a, p.record_key_b,
        case when p.is_link = 1 and u.decision = 'unlink' then 'manual_unlink' else p.rule end as rule,
        p.score,
        p.nhs_level, p.ni_level, p.sn_level, p.fn_level, p.dob_level, p.pc_level,
        p.reference_level, p.addr_level as address_level,
        p.nhs_weight, p.ni_weight, p.sn_weight, p.fn_weight, p.dob_weight, p.pc_weight,
        p.reference_weight, p.addr_weight as address_weight,
        u.decided_by, u.reason,
        case when p.is_link = 1 and u.decision is null then 1 else 0 end as is_link
    from {{ ref('int_match_pairs') }} as p
    left join decisions as u
        on u.decision = 'unlink'
        and u.record_key_a = case when p.record_key_a < p.record_key_b then p.record_key_a else p.record_key_b end
        and u.record_key_b = case when p.record_key_a < p.record_key_b then p.record_key_b else p.record_key_a end
    where p.score >= {{ match_weight('threshold') }} or p.is_link = 1
),

manual as (
    select
        record_key_a, record_key_b,
        case when decision = 'link' then 'manual_link' else 'manual_unlink' end as rule,
        cast(null as {{ dbt.type_float() }}) as score,
        {{ no_field_levels() }}
        {{ no_field_weights() }}
        decided_by, reason,
        case when decision = 'link' then 1 else 0 end as is_link
    from decisions
),

all_links as (
    select * from identical
    union all
    select * from scored
    union all
    select * from manual
)

select
    l.record_key_a, l.record_key_b, l.rule, l.score,
    l.nhs_level, l.ni_level, l.surname_level, l.firstname_level, l.dob_level, l.postcode_level,
    l.reference_level, l.address_level,
    l.nhs_weight, l.ni_weight, l.surname_weight, l.firstname_weight, l.dob_weight, l.postcode_weight,
    l.reference_weight, l.address_weight,
    l.decided_by, l.reason, l.is_link,
    case when ca.cluster_key = cb.cluster_key then 1 else 0 end as same_cluster
from all_links as l
inner join clusters as ca on ca.record_key = l.record_key_a
inner join clusters as cb on cb.record_key = l.record_key_b
