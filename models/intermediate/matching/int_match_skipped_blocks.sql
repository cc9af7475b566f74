{#-
  The blocking values left out because too many profiles share them
  (int_match_block_keys.is_skipped): one row per value, naming the rule's
  identifiers and the counts, never the value itself. Reported as warnings
  at the end of every run (match_warn_skipped_blocks, on-run-end).
-#}
{{ config(materialized='table') }}

select
    rule_no,
    case rule_no
        {%- for rule in match_blocking_rules() %}
        when {{ loop.index }} then '{{ rule['name'] }}'
        {%- endfor %}
    end as identifiers,
    max(block_records) as n_records,
    max(block_profiles) as n_profiles,
    max(block_comparisons) as comparisons
from {{ ref('int_match_block_keys') }}
where is_skipped = 1
group by rule_no, block_key
