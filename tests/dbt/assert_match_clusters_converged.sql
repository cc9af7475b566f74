-- Record matching's clustering runs each phase until a round changes nothing
-- (materialized='fixed_point', docs/matching.md). Checked here on the built
-- tables, independently of the loop: one more round of each phase must give
-- every profile the label it has.
select 'int_match_cc' as phase, n.node
from ({{ match_cc_round(ref('int_match_cc')) }}) n
left join {{ ref('int_match_cc') }} c on c.node = n.node
where c.label is null or c.label <> n.label
union all
select 'int_match_merge' as phase, n.node
from ({{ match_merge_round(ref('int_match_merge')) }}) n
left join {{ ref('int_match_merge') }} c on c.node = n.node
where c.label is null or c.label <> n.label
