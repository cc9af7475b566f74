{#-
  Service references left out of matching because more identity profiles share
  them than match_max_reference_profiles() (int_match_reference_pairs): one row
  per value, with its file type and counts, never the value itself. Reported as
  warnings at the end of every run (match_warn_skipped_blocks).
-#}
{{ config(materialized='table') }}

select
    min({{ dbt.split_part('ref_key', "'|'", 1) }}) as file_type,
    count(*) as n_records,
    count(distinct profile_key) as n_profiles
from {{ ref('int_match_records') }}
where ref_key is not null
group by ref_key
having count(distinct profile_key) > {{ match_max_reference_profiles() }}
