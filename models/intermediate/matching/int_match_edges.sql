{#- The link graph clustering works on: one row per linked pair of identity
    profiles with its best score (a manual link counts above any score). -#}
select
    pk_a as a, pk_b as b,
    max(case when is_manual = 1 then {{ match_manual_score() }} else score end) as score
from {{ ref('int_match_links') }}
group by pk_a, pk_b
