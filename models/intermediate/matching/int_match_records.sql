{#-
  Every identity record, normalised for matching, with its identity profile:
  records whose matching details are identical share a profile and are
  compared once. A record named in a manual decision keeps a profile of its
  own, so that the decision applies to it alone.
-#}
{{ config(materialized='table') }}

with src as (
    select
        r.record_key,
        {{ match_letters('coalesce(r.surname, r.surname_norm)') }} as sn,
        {{ match_parts_text('coalesce(r.surname, r.surname_norm)') }} as sn_text,
        {{ match_letters(dbt.split_part(match_parts_text('coalesce(r.firstname, r.firstname_norm)'), "' '", 1)) }}
            as fn,
        r.dob,
        {{ dbt.replace('upper(trim(r.postcode_norm))', "' '", "''") }} as pc,
        {{ match_valid_nhs('r.nhs_number') }} as nhs,
        {{ match_valid_ni('upper(r.ni_number)') }} as ni
    from {{ ref('int_identity_records') }} as r
),

parts as (
    select
        src.*,
        case
            when {{ dbt.split_part('sn_text', "' '", 2) }} <> ''
                then {{ match_letters(dbt.split_part('sn_text', "' '", 1)) }}
        end as sn_p1,
        case
            when {{ dbt.split_part('sn_text', "' '", 2) }} <> ''
                then {{ match_letters(dbt.split_part('sn_text', "' '", 2)) }}
        end as sn_p2
    from src
),

first_seen as (
    select record_key, min({{ match_seen_key('load_order', 'source_row') }}) as seen_key
    from ({{ match_record_lineage() }}) as lineage
    group by record_key
),

name_variants as (
    {{ match_seed_or_empty('match_name_variants', [('variant', dbt.type_string()), ('canonical', dbt.type_string())]) }}
),

decided as (
    select record_key_a as record_key from {{ ref('int_match_decisions') }}
    union
    select record_key_b from {{ ref('int_match_decisions') }}
)

select
    p.record_key,
    p.sn, p.sn_p1, p.sn_p2,
    p.fn,
    coalesce(v.canonical, p.fn) as fn_canon,
    p.dob,
    p.pc,
    p.nhs,
    p.ni,
    {{ dbt.concat(["coalesce(fs.seen_key, '')", "':'", "p.record_key"]) }} as seen_key,
    case
        when d.record_key is not null
            then {{ dbt.hash(dbt.concat(["'r|'", "p.record_key"])) }}
        else {{ dbt.hash(dbt.concat([
            "'p|'", "coalesce(p.sn, '')", "'|'", "coalesce(p.sn_p1, '')", "'|'", "coalesce(p.sn_p2, '')",
            "'|'", "coalesce(p.fn, '')", "'|'", "coalesce(cast(p.dob as " ~ dbt.type_string() ~ "), '')",
            "'|'", "coalesce(p.pc, '')", "'|'", "coalesce(p.nhs, '')", "'|'", "coalesce(p.ni, '')"])) }}
    end as profile_key
from parts as p
left join name_variants as v on v.variant = p.fn
left join decided as d on d.record_key = p.record_key
left join first_seen as fs on fs.record_key = p.record_key
