{#-
  One row per identity profile (a set of records with identical matching
  details): the nodes that blocking, scoring and clustering work on, with
  term frequencies for surname, first name, postcode and address (a shared hostel
  postcode or address or a common surname is weaker evidence than a rare one).
  Frequencies are counted among profiles without placeholders, so a file of
  placeholder records (thousands of "Unknown"s with real first names) does
  not change how anyone else's details are weighed; a profile with a
  placeholder is weighed as if it were one more of them. names_prefix (the
  first three letters of surname and first name, in either order) blocks
  records whose names were written the other way round. match_fp is the
  fingerprint of every column the comparison levels read (match_pair_levels):
  int_match_pair_levels keeps a pair's levels while both fingerprints stay.
-#}
{{ config(materialized='table') }}

with profiles as (
    select
        profile_key,
        min(record_key) as rep_record_key,
        count(*) as n_records,
        min(sn) as sn, min(sn_p1) as sn_p1, min(sn_p2) as sn_p2,
        min(fn) as fn, min(fn_canon) as fn_canon,
        min(dob) as dob, min(pc) as pc, min(nhs) as nhs, min(ni) as ni, min(addr) as addr,
        max(has_placeholder) as has_placeholder
    from {{ ref('int_match_records') }}
    group by profile_key
)

select
    p.*,
    {{ match_substr('sn', 1, 3) }} as sn_prefix,
    coalesce(p.sn_p2, p.sn) as sn_last,
    {{ match_substr('fn', 1, 1) }} as fn_initial,
    case
        when p.sn is null or p.fn is null then null
        when {{ match_substr('sn', 1, 3) }} <= {{ match_substr('fn', 1, 3) }}
            then {{ dbt.concat([match_substr('sn', 1, 3), "'|'", match_substr('fn', 1, 3)]) }}
        else {{ dbt.concat([match_substr('fn', 1, 3), "'|'", match_substr('sn', 1, 3)]) }}
    end as names_prefix,
    {{ date_part_of('year', 'dob') }} as dob_year,
    cast({{ date_part_of('year', 'dob') }} as {{ dbt.type_int() }}) * 10000
    + cast({{ date_part_of('month', 'dob') }} as {{ dbt.type_int() }}) * 100
    + cast({{ date_part_of('day', 'dob') }} as {{ dbt.type_int() }}) as dob_num,
    {{ match_clean_tf('sn') }} as tf_sn,
    case when p.fn is not null then {{ match_clean_tf('fn') }} end as tf_fn,
    {{ match_clean_tf('pc') }} as tf_pc,
    case when p.addr is not null then {{ match_clean_tf('addr') }} end as tf_addr,
    {{ dbt.hash(dbt.concat([
        "coalesce(p.sn, '')", "'|'", "coalesce(p.sn_p1, '')", "'|'", "coalesce(p.sn_p2, '')",
        "'|'", "coalesce(p.fn, '')", "'|'", "coalesce(p.fn_canon, '')",
        "'|'", "coalesce(cast(p.dob as " ~ dbt.type_string() ~ "), '')",
        "'|'", "coalesce(p.pc, '')", "'|'", "coalesce(p.nhs, '')", "'|'", "coalesce(p.ni, '')",
        "'|'", "coalesce(p.addr, '')"])) }} as match_fp
from profiles as p
