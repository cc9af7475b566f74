{#-
  Candidate pairs of identity profiles (from the blocking rules), each field's
  agreement level, the Fellegi-Sunter score (sum of log2(m/u) weights) and
  whether the pair is a link. Two different valid NHS numbers, two different
  valid NI numbers, or two different first names (not a nickname, initial or
  typing error of one another) without an agreeing NHS or NI number make a
  conflict: never a link, and kept apart by clustering (is_apart), so that
  twins stay two people even when a record without a first name resembles both.
  Var match_first_name_conflict: false (for data without twins to keep apart,
  whose first names are often wholly replaced: docs/matching.md) makes two
  different first names evidence against (fn_different) and no conflict.
  A missing value (blank, or a placeholder: int_match_records) is level
  'missing' and weighs nothing. The levels are match_pair_levels(); each
  field's weight is kept beside its level (explained in restricted.match_links),
  and the weights are this build's (match_weights_used(): estimated from the
  data within bounds, or fixed, or pinned by var match_weights). Profiles sharing a
  service reference in one file type (int_match_reference_pairs) are compared
  too, and the agreement weighs reference_agree (reference_level). A pair
  sharing a valid NHS or NI number with no name or date of birth to compare
  links (is_number_only). The street line of the address (addr_level) is weak
  evidence: a term-frequency weight for exact agreement, and no weight at all
  when the dates of birth are wholly different (docs/matching.md, Addresses).
  The levels of every candidate pair (int_match_candidates) come from
  int_match_pair_levels, which keeps them between builds (docs/matching.md,
  "Incremental builds"); the weights, term frequencies, threshold and the
  first-name conflict (a decision on the stored fn_level, so the setting never
  needs the levels compared again) are applied here, in full, every build.
-#}
{{ config(materialized='table') }}
{%- set w = match_weights_used() %}

with p as (
    select * from {{ ref('int_match_profiles') }}
),

{% if var('match_stored_levels', true) %}
-- the levels are int_match_pair_levels' (kept between builds, compared again only
-- where a profile changed); var match_stored_levels: false compares here instead
-- (costcalc match explain compiles it so, for pairs of its own)
candidates as (
    select * from {{ ref('int_match_pair_levels') }}
),

levels as (
    select
        c.pk_a, c.pk_b,
        a.rep_record_key as record_key_a,
        b.rep_record_key as record_key_b,
        {%- for column in match_level_columns() %}
        c.{{ column }},
        {%- endfor %}
        a.tf_sn, a.tf_fn, a.tf_pc, a.tf_addr
    from candidates as c
    inner join p as a on a.profile_key = c.pk_a
    inner join p as b on b.profile_key = c.pk_b
),
{%- else %}
-- depends_on: {{ ref('int_match_candidates') }}
candidates as (
    select pk_a, pk_b from {{ ref('int_match_candidates') }}
),

levels as (
    select
        c.pk_a, c.pk_b,
        a.rep_record_key as record_key_a,
        b.rep_record_key as record_key_b,
        {{ match_pair_levels('a', 'b') }},
        a.tf_sn, a.tf_fn, a.tf_pc, a.tf_addr
    from candidates as c
    inner join p as a on a.profile_key = c.pk_a
    inner join p as b on b.profile_key = c.pk_b
),
{%- endif %}

reference_levels as (
    -- the same service reference in one file type: strong evidence; two different
    -- references are none against (a person can hold two claims): 'missing', weight 0
    select
        l.*,
        case when r.pk_a is not null then 'agree' else 'missing' end as reference_level
    from levels as l
    left join {{ ref('int_match_reference_pairs') }} as r on r.pk_a = l.pk_a and r.pk_b = l.pk_b
),

weighed as (
    select
        l.*,
        case l.nhs_level when 'agree' then {{ match_weight('nhs_agree', w) }} else 0 end as nhs_weight,
        case l.ni_level when 'agree' then {{ match_weight('ni_agree', w) }} else 0 end as ni_weight,
        case l.sn_level
            when
                'exact'
                then {{ match_tf_weight('tf_sn', w['sn_m'], w['sn_exact_min'], w['sn_exact_max']) }}
            when 'part' then {{ match_weight('sn_part', w) }}
            when 'fuzzy' then {{ match_weight('sn_fuzzy', w) }}
            when 'swapped' then {{ match_weight('sn_swapped', w) }}
            when 'similar' then {{ match_weight('sn_similar', w) }}
            when 'missing' then 0
            else {{ match_weight('sn_different', w) }}
        end as sn_weight,
        case l.fn_level
            when
                'exact'
                then {{ match_tf_weight('tf_fn', w['fn_m'], w['fn_exact_min'], w['fn_exact_max']) }}
            when 'nickname' then {{ match_weight('fn_nickname', w) }}
            when 'swapped' then {{ match_weight('fn_swapped', w) }}
            when 'fuzzy' then {{ match_weight('fn_fuzzy', w) }}
            when 'initial' then {{ match_weight('fn_initial', w) }}
            when 'different' then {{ match_weight('fn_different', w) }}
            else 0
        end as fn_weight,
        case l.dob_level
            when 'exact' then {{ match_weight('dob_exact', w) }}
            when 'swapped' then {{ match_weight('dob_swapped', w) }}
            when 'transposed' then {{ match_weight('dob_transposed', w) }}
            when 'one_digit' then {{ match_weight('dob_one_digit', w) }}
            when 'year_month' then {{ match_weight('dob_year_month', w) }}
            when 'missing' then 0
            else {{ match_weight('dob_different', w) }}
        end as dob_weight,
        case l.pc_level
            when
                'exact'
                then {{ match_tf_weight('tf_pc', w['pc_m'], w['pc_exact_min'], w['pc_exact_max']) }}
            when 'sector' then {{ match_weight('pc_sector', w) }}
            when 'missing' then 0
            else {{ match_weight('pc_different', w) }}
        end as pc_weight,
        case l.reference_level when 'agree' then {{ match_weight('reference_agree', w) }} else 0 end
            as reference_weight,
        -- the address is weak evidence of one household, not of one person: it lifts no
        -- pair whose dates of birth are wholly different (a father and son of one name)
        case
            when l.dob_level = 'different' then 0
            when l.addr_level = 'exact'
                then {{ match_tf_weight('tf_addr', w['addr_m'], w['addr_exact_min'], w['addr_exact_max']) }}
            when l.addr_level = 'fuzzy' then {{ match_weight('addr_fuzzy', w) }}
            when l.addr_level = 'different' then {{ match_weight('addr_different', w) }}
            else 0
        end as addr_weight
    from reference_levels as l
),

scored as (
    select
        wd.*,
        wd.nhs_weight + wd.ni_weight + wd.sn_weight + wd.fn_weight + wd.dob_weight + wd.pc_weight
        + wd.reference_weight + wd.addr_weight as score
    from weighed as wd
),

flagged as (
    select
        s.*,
        case
            when
                s.nhs_level = 'conflict' or s.ni_level = 'conflict'
                {%- if var('match_first_name_conflict', true) %}
                or (s.fn_level = 'different' and s.nhs_level <> 'agree' and s.ni_level <> 'agree')
                {%- endif %}
                then 1
            else 0
        end as is_apart
    from scored as s
),

number_only as (
    -- a shared valid NHS or NI number with no name or date of birth to compare: a record
    -- identified by its number alone (schemas' identified_by) links on it
    select
        f.*,
        case
            when
                (f.nhs_level = 'agree' or f.ni_level = 'agree')
                and f.sn_level = 'missing' and f.fn_level = 'missing' and f.dob_level = 'missing'
                then 1
            else 0
        end as is_number_only
    from flagged as f
)

select
    pk_a, pk_b, record_key_a, record_key_b,
    nhs_level, ni_level, sn_level, fn_level, dob_level, pc_level,
    reference_level, addr_level,
    nhs_weight, ni_weight, sn_weight, fn_weight, dob_weight, pc_weight, reference_weight, addr_weight,
    score,
    case when is_apart = 0 and (score >= {{ match_weight('threshold', w) }} or is_number_only = 1) then 1 else 0 end as is_link,
    is_apart,
    case
        when nhs_level = 'conflict' then 'nhs_number_conflict'
        when ni_level = 'conflict' then 'ni_number_conflict'
        when is_apart = 1 then 'first_name_conflict'
        when score < {{ match_weight('threshold', w) }} and is_number_only = 0 then 'below_threshold'
        when nhs_level = 'agree' then 'nhs_number'
        when ni_level = 'agree' then 'ni_number'
        else 'weighted_score'
    end as rule
from number_only
