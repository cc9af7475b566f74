{#-
  Service references as evidence (docs/matching.md, "Service references"): the
  pairs of identity profiles whose records carry the same reference (claim
  number, PIN, ascid, individualid, extref: each schema's identity.reference) in
  one file type, as int_match_records.ref_key holds it (upper case, without
  spaces or hyphens; a listed placeholder reference is none). int_match_pairs
  compares these pairs (a blocking rule of their own) and weighs the agreement.

  A reference shared by more profiles than match_max_reference_profiles() is a
  default or a household's reference, not a person's: it brings no pair and no
  weight, and int_match_skipped_references counts it (never the value).
-#}
{{ config(materialized='table') }}

with refs as (
    select distinct ref_key, profile_key
    from {{ ref('int_match_records') }}
    where ref_key is not null
),

sized as (
    select ref_key, profile_key, count(*) over (partition by ref_key) as n_profiles
    from refs
)

select distinct a.profile_key as pk_a, b.profile_key as pk_b
from sized as a
inner join sized as b on b.ref_key = a.ref_key and b.profile_key > a.profile_key
where a.n_profiles <= {{ match_max_reference_profiles() }}
