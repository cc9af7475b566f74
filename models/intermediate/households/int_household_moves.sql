-- Moves of a household to a new home: one row per episode (to_key) that
-- carries on an earlier episode (from_key) of the same household, so that it
-- keeps the household id (int_household_lineage). docs/households.md "Moves".
--
-- For each client, the episode after their episode A is where they went next;
-- the members of A that went to one episode B are a part of A. B carries on A
-- when all of these hold:
--   1. A is over: no member of A still lives there;
--   2. nobody stayed behind: A ended no later than the day the last of the
--      part arrived at B (someone who stays keeps the household where it was);
--   3. the part is A's largest; on a tie, the part with A's eldest member
--      (date of birth of the client's latest record), then the first by key;
--   4. A supplies the largest part of those who came to B from elsewhere (same
--      tie rules), and B is a new home: nobody lived there before the first of
--      the part arrived.
with episodes as (

    select episode_key, client_id, valid_from, valid_to
    from {{ ref('int_household_episodes') }}

),

episode_dates as (

    select
        episode_key,
        min(valid_from) as started,
        max(case when valid_to is null then 1 else 0 end) as is_current,
        max(valid_to) as ended
    from episodes
    group by episode_key

),

latest_dob as (

    select client_id, dob from {{ ref('int_client_birth_dates') }}

),

eldest as (

    select episode_key, client_id
    from (
        select
            episodes.episode_key,
            episodes.client_id,
            row_number() over (
                partition by episodes.episode_key
                order by case when latest_dob.dob is null then 1 else 0 end, latest_dob.dob, episodes.client_id
            ) as age_rank
        from episodes
        left join latest_dob on latest_dob.client_id = episodes.client_id
    ) as ranked
    where age_rank = 1

),

next_episode as (

    select
        client_id,
        episode_key as from_key,
        lead(episode_key) over (partition by client_id order by valid_from, episode_key) as to_key,
        lead(valid_from) over (partition by client_id order by valid_from, episode_key) as arrived
    from episodes

),

parts as (

    select
        next_episode.from_key,
        next_episode.to_key,
        count(*) as movers,
        max(case when eldest.client_id = next_episode.client_id then 1 else 0 end) as with_eldest,
        min(next_episode.arrived) as first_arrived,
        max(next_episode.arrived) as last_arrived
    from next_episode
    left join eldest on eldest.episode_key = next_episode.from_key
    where next_episode.to_key is not null
    group by next_episode.from_key, next_episode.to_key

),

ranked as (

    select
        parts.*,
        row_number() over (
            partition by parts.from_key order by parts.movers desc, parts.with_eldest desc, parts.to_key asc
        ) as rank_in_from,
        row_number() over (
            partition by parts.to_key order by parts.movers desc, parts.with_eldest desc, parts.from_key asc
        ) as rank_in_to
    from parts

)

select
    ranked.from_key,
    ranked.to_key,
    ranked.movers
from ranked
inner join episode_dates as a on a.episode_key = ranked.from_key
inner join episode_dates as b on b.episode_key = ranked.to_key
where
    ranked.rank_in_from = 1
    and ranked.rank_in_to = 1
    and a.is_current = 0
    and a.ended < ranked.last_arrived
    and b.started >= ranked.first_arrived
