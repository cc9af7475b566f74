{#-
  Candidate pairs of identity profiles (from the blocking rules), each field's
  agreement level, the Fellegi-Sunter score (sum of log2(m/u) weights) and
  whether the pair is a link. Two different valid NHS numbers, two different
  valid NI numbers, or two different first names (not a nickname, initial or
  typing error of one another) without an agreeing NHS or NI number make a
  conflict: never a link, and kept apart by clustering (is_apart), so that
  twins stay two people even when a record without a first name resembles both.
  A missing value (blank, or a placeholder: int_match_records) is level
  'missing' and weighs nothing. Profiles sharing a service reference in one
  file type (int_match_reference_pairs) are compared too, and the agreement
  weighs reference_agree (reference_level). A pair sharing a valid NHS or NI
  number with no name or date of birth to compare links (is_number_only).
-#}
{{ config(materialized='table') }}

with p as (
    select * from {{ ref('int_match_profiles') }}
),

keys as (
    select rule_no, block_key, profile_key from {{ ref('int_match_block_keys') }}
    where is_skipped = 0
),

candidates as (
    select distinct a.profile_key as pk_a, b.profile_key as pk_b
    from keys as a
    inner join keys as b on b.rule_no = a.rule_no and b.block_key = a.block_key and b.profile_key > a.profile_key
    -- profiles sharing a service reference in one file type are compared too
    union
    select pk_a, pk_b from {{ ref('int_match_reference_pairs') }}
),

levels as (
    select
        c.pk_a, c.pk_b,
        a.rep_record_key as record_key_a,
        b.rep_record_key as record_key_b,
        case
            when a.nhs is null or b.nhs is null then 'missing'
            when a.nhs = b.nhs then 'agree' else 'conflict'
        end as nhs_level,
        case
            when a.ni is null or b.ni is null then 'missing'
            when a.ni = b.ni then 'agree' else 'conflict'
        end as ni_level,
        case
            when a.sn is null or b.sn is null then 'missing'
            when a.sn = b.sn then 'exact'
            when
                (a.sn_p1 is not null and {{ dbt.length('a.sn_p1') }} >= 3 and (a.sn_p1 = b.sn or a.sn_p1 = b.sn_p1 or a.sn_p1 = b.sn_p2))
                or (a.sn_p2 is not null and {{ dbt.length('a.sn_p2') }} >= 3 and (a.sn_p2 = b.sn or a.sn_p2 = b.sn_p1 or a.sn_p2 = b.sn_p2))
                or (b.sn_p1 is not null and {{ dbt.length('b.sn_p1') }} >= 3 and b.sn_p1 = a.sn)
                or (b.sn_p2 is not null and {{ dbt.length('b.sn_p2') }} >= 3 and b.sn_p2 = a.sn)
                then 'part'
            when {{ match_fuzzy_name('a.sn', 'b.sn') }} then 'fuzzy'
            else 'different'
        end as sn_level,
        case
            when a.fn is null or b.fn is null then 'missing'
            when a.fn = b.fn then 'exact'
            when a.fn_canon = b.fn_canon then 'nickname'
            when {{ dbt.length('a.fn') }} = 1 or {{ dbt.length('b.fn') }} = 1
                then
                    case when a.fn_initial = b.fn_initial then 'initial' else 'different' end
            when {{ match_fuzzy_name('a.fn', 'b.fn') }} then 'fuzzy'
            else 'different'
        end as fn_level,
        case
            when a.dob is null or b.dob is null then 'missing'
            when a.dob = b.dob then 'exact'
            when
                a.dob_num - {{ match_mod('a.dob_num', '10000') }} = b.dob_num - {{ match_mod('b.dob_num', '10000') }}
                and {{ match_mod('a.dob_num', '100') }} * 100
                + ({{ match_mod('a.dob_num', '10000') }} - {{ match_mod('a.dob_num', '100') }}) / 100
                = {{ match_mod('b.dob_num', '10000') }}
                then 'swapped'
            when (
                {%- for k in range(8) %}
                case
                    when
                        {{ match_mod('a.dob_num', 10 ** (k + 1)) }} - {{ match_mod('a.dob_num', 10 ** k) }}
                        = {{ match_mod('b.dob_num', 10 ** (k + 1)) }} - {{ match_mod('b.dob_num', 10 ** k) }} then 0
                    else 1
                end
                {{- " +" if not loop.last }}
                {%- endfor %}
            ) = 1
                then 'one_digit'
            else 'different'
        end as dob_level,
        case
            when a.pc is null or b.pc is null then 'missing'
            when a.pc = b.pc then 'exact'
            when
                {{ match_substr('a.pc', 1, dbt.length('a.pc') ~ ' - 2') }} = {{ match_substr('b.pc', 1, dbt.length('b.pc') ~ ' - 2') }}
                then 'sector'
            else 'different'
        end as pc_level,
        a.tf_sn, a.tf_fn, a.tf_pc
    from candidates as c
    inner join p as a on a.profile_key = c.pk_a
    inner join p as b on b.profile_key = c.pk_b
),

reference_levels as (
    -- the same service reference in one file type: strong evidence; two different
    -- references are none against (a person can hold two claims): 'missing', weight 0
    select
        l.*,
        case when r.pk_a is not null then 'agree' else 'missing' end as reference_level
    from levels as l
    left join {{ ref('int_match_reference_pairs') }} as r on r.pk_a = l.pk_a and r.pk_b = l.pk_b
),

scored as (
    select
        l.*,
        case l.nhs_level when 'agree' then {{ match_weight('nhs_agree') }} else 0 end
        + case l.ni_level when 'agree' then {{ match_weight('ni_agree') }} else 0 end
        + case l.sn_level
            when
                'exact'
                then {{ match_tf_weight('tf_sn', match_weight('sn_m'), match_weight('sn_exact_min'), match_weight('sn_exact_max')) }}
            when 'part' then {{ match_weight('sn_part') }}
            when 'fuzzy' then {{ match_weight('sn_fuzzy') }}
            when 'missing' then 0
            else {{ match_weight('sn_different') }}
        end
        + case l.fn_level
            when
                'exact'
                then {{ match_tf_weight('tf_fn', match_weight('fn_m'), match_weight('fn_exact_min'), match_weight('fn_exact_max')) }}
            when 'nickname' then {{ match_weight('fn_nickname') }}
            when 'fuzzy' then {{ match_weight('fn_fuzzy') }}
            when 'initial' then {{ match_weight('fn_initial') }}
            when 'different' then {{ match_weight('fn_different') }}
            else 0
        end
        + case l.dob_level
            when 'exact' then {{ match_weight('dob_exact') }}
            when 'swapped' then {{ match_weight('dob_swapped') }}
            when 'one_digit' then {{ match_weight('dob_one_digit') }}
            when 'missing' then 0
            else {{ match_weight('dob_different') }}
        end
        + case l.pc_level
            when
                'exact'
                then {{ match_tf_weight('tf_pc', match_weight('pc_m'), match_weight('pc_exact_min'), match_weight('pc_exact_max')) }}
            when 'sector' then {{ match_weight('pc_sector') }}
            when 'missing' then 0
            else {{ match_weight('pc_different') }}
        end
        + case l.reference_level
            when 'agree' then {{ match_weight('reference_agree') }}
            else 0
        end
            as score
    from reference_levels as l
),

flagged as (
    select
        s.*,
        case
            when
                s.nhs_level = 'conflict' or s.ni_level = 'conflict'
                or (s.fn_level = 'different' and s.nhs_level <> 'agree' and s.ni_level <> 'agree')
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
    reference_level,
    score,
    case when is_apart = 0 and (score >= {{ match_weight('threshold') }} or is_number_only = 1) then 1 else 0 end as is_link,
    is_apart,
    case
        when nhs_level = 'conflict' then 'nhs_number_conflict'
        when ni_level = 'conflict' then 'ni_number_conflict'
        when is_apart = 1 then 'first_name_conflict'
        when score < {{ match_weight('threshold') }} and is_number_only = 0 then 'below_threshold'
        when nhs_level = 'agree' then 'nhs_number'
        when ni_level = 'agree' then 'ni_number'
        else 'weighted_score'
    end as rule
from number_only
