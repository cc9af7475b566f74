{#-
  Each field's agreement level for a pair of identity profiles (aliases a and
  b of int_match_profiles): the select list int_match_pairs scores, and the
  weight estimation (int_match_weight_estimates) counts. One definition, so
  what is estimated is what is scored. Levels, strongest first, per field:
    nhs, ni      agree | conflict | missing
    surname      exact | part (of a double-barrelled name) | fuzzy (typing error)
                 | swapped (surname and first name written the other way round)
                 | similar (Jaro-Winkler >= var match_similar_jw, 0.8) | different | missing
    first name   exact | nickname | swapped | initial | fuzzy | different | missing
    dob          exact | swapped (day and month) | transposed (two adjacent digits)
                 | one_digit | year_month (same year and month) | different | missing
    postcode     exact | sector | different | missing
    address      exact (the same street line, house number included) | fuzzy (a
                 typing error in it: match_fuzzy_name) | different | missing
  Portable SQL only, bar match_fuzzy_name / match_jaro_winkler (dispatched
  per engine; the 'similar' tier needs Jaro-Winkler, so it is absent where an
  engine has none: SQL Server before 2025, or var match_portable_only).
-#}
{% macro match_pair_levels(a='a', b='b') -%}
  {%- set swapped -%}
    ({{ a }}.sn is not null and {{ b }}.sn is not null and {{ a }}.fn is not null and {{ b }}.fn is not null
     and {{ a }}.sn <> {{ b }}.sn and {{ a }}.fn <> {{ b }}.fn
     and ({{ a }}.sn = {{ b }}.fn or {{ match_fuzzy_name(a ~ '.sn', b ~ '.fn') }})
     and ({{ a }}.fn = {{ b }}.sn or {{ match_fuzzy_name(a ~ '.fn', b ~ '.sn') }}))
  {%- endset -%}
  {%- set digit_diffs -%}
    (
    {%- for k in range(8) %}
        case
            when
                {{ match_mod(a ~ '.dob_num', 10 ** (k + 1)) }} - {{ match_mod(a ~ '.dob_num', 10 ** k) }}
                = {{ match_mod(b ~ '.dob_num', 10 ** (k + 1)) }} - {{ match_mod(b ~ '.dob_num', 10 ** k) }} then 0
            else 1
        end
        {{- " +" if not loop.last }}
    {%- endfor %}
    )
  {%- endset -%}
        case
            when {{ a }}.nhs is null or {{ b }}.nhs is null then 'missing'
            when {{ a }}.nhs = {{ b }}.nhs then 'agree' else 'conflict'
        end as nhs_level,
        case
            when {{ a }}.ni is null or {{ b }}.ni is null then 'missing'
            when {{ a }}.ni = {{ b }}.ni then 'agree' else 'conflict'
        end as ni_level,
        case
            when {{ a }}.sn is null or {{ b }}.sn is null then 'missing'
            when {{ a }}.sn = {{ b }}.sn then 'exact'
            when
                ({{ a }}.sn_p1 is not null and {{ dbt.length(a ~ '.sn_p1') }} >= 3 and ({{ a }}.sn_p1 = {{ b }}.sn or {{ a }}.sn_p1 = {{ b }}.sn_p1 or {{ a }}.sn_p1 = {{ b }}.sn_p2))
                or ({{ a }}.sn_p2 is not null and {{ dbt.length(a ~ '.sn_p2') }} >= 3 and ({{ a }}.sn_p2 = {{ b }}.sn or {{ a }}.sn_p2 = {{ b }}.sn_p1 or {{ a }}.sn_p2 = {{ b }}.sn_p2))
                or ({{ b }}.sn_p1 is not null and {{ dbt.length(b ~ '.sn_p1') }} >= 3 and {{ b }}.sn_p1 = {{ a }}.sn)
                or ({{ b }}.sn_p2 is not null and {{ dbt.length(b ~ '.sn_p2') }} >= 3 and {{ b }}.sn_p2 = {{ a }}.sn)
                then 'part'
            when {{ match_fuzzy_name(a ~ '.sn', b ~ '.sn') }} then 'fuzzy'
            when {{ swapped }} then 'swapped'
            {%- if match_has_jaro_winkler() %}
            when {{ dbt.length(a ~ '.sn') }} >= 3 and {{ dbt.length(b ~ '.sn') }} >= 3
                and {{ match_jaro_winkler(a ~ '.sn', b ~ '.sn') }} >= {{ var('match_similar_jw', 0.8) }} then 'similar'
            {%- endif %}
            else 'different'
        end as sn_level,
        case
            when {{ a }}.fn is null or {{ b }}.fn is null then 'missing'
            when {{ a }}.fn = {{ b }}.fn then 'exact'
            when {{ a }}.fn_canon = {{ b }}.fn_canon then 'nickname'
            when {{ swapped }} then 'swapped'
            when {{ dbt.length(a ~ '.fn') }} = 1 or {{ dbt.length(b ~ '.fn') }} = 1
                then
                    case when {{ a }}.fn_initial = {{ b }}.fn_initial then 'initial' else 'different' end
            when {{ match_fuzzy_name(a ~ '.fn', b ~ '.fn') }} then 'fuzzy'
            else 'different'
        end as fn_level,
        case
            when {{ a }}.dob is null or {{ b }}.dob is null then 'missing'
            when {{ a }}.dob = {{ b }}.dob then 'exact'
            when
                {{ a }}.dob_num - {{ match_mod(a ~ '.dob_num', '10000') }} = {{ b }}.dob_num - {{ match_mod(b ~ '.dob_num', '10000') }}
                and {{ match_mod(a ~ '.dob_num', '100') }} * 100
                + ({{ match_mod(a ~ '.dob_num', '10000') }} - {{ match_mod(a ~ '.dob_num', '100') }}) / 100
                = {{ match_mod(b ~ '.dob_num', '10000') }}
                then 'swapped'
            when {{ digit_diffs }} = 2 and (
                {%- for k in range(7) %}
                ({{ match_dob_digit(a ~ '.dob_num', k) }} * 10 = {{ match_dob_digit(b ~ '.dob_num', k + 1) }}
                 and {{ match_dob_digit(a ~ '.dob_num', k + 1) }} = {{ match_dob_digit(b ~ '.dob_num', k) }} * 10)
                {{- " or" if not loop.last }}
                {%- endfor %}
            )
                then 'transposed'
            when {{ digit_diffs }} = 1 then 'one_digit'
            when {{ a }}.dob_num - {{ match_mod(a ~ '.dob_num', '100') }} = {{ b }}.dob_num - {{ match_mod(b ~ '.dob_num', '100') }}
                then 'year_month'
            else 'different'
        end as dob_level,
        case
            when {{ a }}.pc is null or {{ b }}.pc is null then 'missing'
            when {{ a }}.pc = {{ b }}.pc then 'exact'
            when
                {{ match_substr(a ~ '.pc', 1, dbt.length(a ~ '.pc') ~ ' - 2') }} = {{ match_substr(b ~ '.pc', 1, dbt.length(b ~ '.pc') ~ ' - 2') }}
                then 'sector'
            else 'different'
        end as pc_level,
        case
            when {{ a }}.addr is null or {{ b }}.addr is null then 'missing'
            when {{ a }}.addr = {{ b }}.addr then 'exact'
            when {{ match_fuzzy_name(a ~ '.addr', b ~ '.addr') }} then 'fuzzy'
            else 'different'
        end as addr_level
{%- endmacro %}
