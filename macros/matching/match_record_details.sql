{#- Part of incremental matching: see int_match_record_details.sql.

    How one identity record becomes its matching details: CTEs (to follow
    `with` or a CTE of the model) reading the CTE `records` (rows of
    int_identity_records) and ending in `details`, one row per record.
    Everything here depends on nothing but the record's own fields and source
    rows, the placeholder and name-variant seeds and this code, which
    match_record_details_logic() fingerprints.

    Placeholders (seeds/match_placeholders.csv: surname "Unknown", date of
    birth 1900-01-01, postcode ZZ99 3VZ ...) are missing values here: set to
    NULL, so they carry no weight and are in no blocking key. A record holding
    one has a profile of its own (details_key), so a placeholder is never the
    reason two records share a profile. A no-fixed-abode postcode stays a
    fact: is_no_fixed_abode. details_key is the record's profile key unless a
    manual decision names it (int_match_records). -#}
{% macro match_record_details(records='records') -%}
placeholders as (
    {{ match_placeholder_rows() }}
),

src as (
    select
        r.record_key,
        {{ match_letters('coalesce(r.surname, r.surname_norm)') }} as sn,
        {{ match_parts_text('coalesce(r.surname, r.surname_norm)') }} as sn_text,
        {{ match_letters(dbt.split_part(match_parts_text('coalesce(r.firstname, r.firstname_norm)'), "' '", 1)) }} as fn,
        {{ match_letters('coalesce(r.firstname, r.firstname_norm)') }} as fn_full,
        r.dob,
        {{ dbt.replace('upper(trim(r.postcode_norm))', "' '", "''") }} as pc,
        {{ match_compact('r.nhs_number') }} as nhs_raw,
        {{ match_compact('r.ni_number') }} as ni_raw,
        {{ match_valid_nhs('r.nhs_number') }} as nhs,
        {{ match_valid_ni('upper(r.ni_number)') }} as ni,
        -- service reference: compared only within one file type (docs/matching.md, Service references)
        r.file_type,
        {{ match_compact('r.reference') }} as ref_raw,
        -- the street line of the address (weak evidence: docs/matching.md, Addresses)
        {{ match_address_key('r.address') }} as addr
    from {{ records }} as r
),

hits as (
    {{ match_placeholder_hits('src', 'record_key', [
        ('surname', 's.sn', 'ph_sn'),
        ('firstname', 's.fn_full', 'ph_fn'),
        ('dob', 'cast(s.dob as ' ~ dbt.type_string() ~ ')', 'ph_dob'),
        ('postcode', 's.pc', 'ph_pc'),
        ('nhs_number', 's.nhs_raw', 'ph_nhs'),
        ('ni_number', 's.ni_raw', 'ph_ni'),
        ('postcode', 's.pc', 'is_no_fixed_abode', 'no_fixed_abode'),
        ('reference', 's.ref_raw', 'ph_ref'),
    ]) }}
),

checked as (
    select
        src.*,
        coalesce(h.ph_sn, 0) as ph_sn,
        coalesce(h.ph_fn, 0) as ph_fn,
        coalesce(h.ph_dob, 0) as ph_dob,
        coalesce(h.ph_pc, 0) as ph_pc,
        coalesce(h.ph_nhs, 0) as ph_nhs,
        coalesce(h.ph_ni, 0) as ph_ni,
        coalesce(h.is_no_fixed_abode, 0) as is_no_fixed_abode,
        coalesce(h.ph_ref, 0) as ph_ref
    from src
    left join hits as h on h.record_key = src.record_key
),

cleaned as (
    select
        record_key,
        case when ph_sn = 1 then null else sn end as sn,
        case when ph_sn = 1 then '' else sn_text end as sn_text,
        case when ph_fn = 1 then null else fn end as fn,
        case when ph_dob = 1 then null else dob end as dob,
        case when ph_pc = 1 then null else pc end as pc,
        case when ph_nhs = 1 then null else nhs end as nhs,
        case when ph_ni = 1 then null else ni end as ni,
        case when ph_sn + ph_fn + ph_dob + ph_pc + ph_nhs + ph_ni > 0 then 1 else 0 end as has_placeholder,
        is_no_fixed_abode,
        addr,
        -- a placeholder reference is no reference; it does not give the record a profile of its own
        case
            when ph_ref = 0 and ref_raw <> '' and file_type is not null
                then {{ dbt.concat(['file_type', "'|'", 'ref_raw']) }}
        end as ref_key
    from checked
),

parts as (
    select
        cleaned.*,
        case
            when {{ dbt.split_part('sn_text', "' '", 2) }} <> ''
                then {{ match_letters(dbt.split_part('sn_text', "' '", 1)) }}
        end as sn_p1,
        case
            when {{ dbt.split_part('sn_text', "' '", 2) }} <> ''
                then {{ match_letters(dbt.split_part('sn_text', "' '", 2)) }}
        end as sn_p2
    from cleaned
),

first_seen as (
    select lineage.record_key, min({{ match_seen_key('lineage.load_order', 'lineage.source_row') }}) as seen_key
    from ({{ match_record_lineage() }}) as lineage
    inner join {{ records }} as r on r.record_key = lineage.record_key
    group by lineage.record_key
),

name_variants as (
    {{ match_seed_or_empty('match_name_variants', [('variant', dbt.type_string()), ('canonical', dbt.type_string())]) }}
),

details as (
    select
        p.record_key,
        p.sn, p.sn_p1, p.sn_p2,
        p.fn,
        coalesce(v.canonical, p.fn) as fn_canon,
        p.dob,
        p.pc,
        p.nhs,
        p.ni,
        p.has_placeholder,
        p.is_no_fixed_abode,
        p.ref_key,
        p.addr,
        {{ dbt.concat(["coalesce(fs.seen_key, '')", "':'", "p.record_key"]) }} as seen_key,
        case
            when p.has_placeholder = 1
                then {{ dbt.hash(dbt.concat(["'r|'", "p.record_key"])) }}
            else {{ dbt.hash(dbt.concat([
                "'p|'", "coalesce(p.sn, '')", "'|'", "coalesce(p.sn_p1, '')", "'|'", "coalesce(p.sn_p2, '')",
                "'|'", "coalesce(p.fn, '')", "'|'", "coalesce(cast(p.dob as " ~ dbt.type_string() ~ "), '')",
                "'|'", "coalesce(p.pc, '')", "'|'", "coalesce(p.nhs, '')", "'|'", "coalesce(p.ni, '')",
                "'|'", "coalesce(p.addr, '')"])) }}
        end as details_key
    from parts as p
    left join name_variants as v on v.variant = p.fn
    left join first_seen as fs on fs.record_key = p.record_key
)
{%- endmacro %}
