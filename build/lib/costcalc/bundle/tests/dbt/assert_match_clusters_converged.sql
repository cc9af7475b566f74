-- Record matching's clustering runs a fixed number of rounds (the models
-- int_match_cc_NN and int_match_merge_NN). Fails when they were too few to
-- finish: add a round as docs/matching.md says, and rebuild.
select record_key
from {{ ref('int_match_clusters') }}
where rounds_converged = 0
