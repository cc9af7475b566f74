-- Which records are the same person. Interface: (record_key, cluster_key).
-- Record matching (models/intermediate/matching, docs/matching.md) replaces
-- the 2017 tool's exact rule (normalised surname + date of birth + postcode):
-- blocking, Fellegi-Sunter scoring of NHS and NI numbers, names, date of
-- birth and postcode, manual decisions (seeds/match_decisions.csv), and
-- clustering that never joins conflicting NHS or NI numbers.
select
    record_key,
    cluster_key
from {{ ref('int_match_clusters') }}
