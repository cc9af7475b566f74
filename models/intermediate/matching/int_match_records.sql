{#-
  Every identity record normalised for matching, with its identity profile:
  records whose matching details are identical share a profile and are
  compared once. The details are kept between builds by record
  (int_match_record_details, where placeholders are made missing values and
  a record holding one gets a profile of its own); here only what depends on
  other records: a record named in a manual decision keeps a profile of its
  own, so that the decision applies to it alone. A view: the decisions are
  few, and writing a million rows again each build is what keeping the
  details saves (docs/matching.md, "Incremental builds").
-#}
{{ config(materialized='view') }}

with decided as (
    select record_key_a as record_key from {{ ref('int_match_decisions') }}
    union
    select record_key_b from {{ ref('int_match_decisions') }}
)

select
    r.record_key,
    r.sn, r.sn_p1, r.sn_p2,
    r.fn,
    r.fn_canon,
    r.dob,
    r.pc,
    r.nhs,
    r.ni,
    r.has_placeholder,
    r.is_no_fixed_abode,
    r.ref_key,
    r.addr,
    r.seen_key,
    case
        when d.record_key is not null
            then {{ dbt.hash(dbt.concat(["'r|'", "r.record_key"])) }}
        else r.details_key
    end as profile_key
from {{ ref('int_match_record_details') }} as r
left join decided as d on d.record_key = r.record_key
