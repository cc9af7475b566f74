{#- int_household_lineage, round 0: every household episode labelled with the
    episode it carries on (int_household_moves), or with itself. -#}
{% macro household_lineage_start() -%}
select
    episodes.episode_key as node,
    coalesce(moves.from_key, episodes.episode_key) as label
from (select distinct episode_key from {{ ref('int_household_episodes') }}) as episodes
left join {{ ref('int_household_moves') }} as moves on moves.to_key = episodes.episode_key
{%- endmacro %}
