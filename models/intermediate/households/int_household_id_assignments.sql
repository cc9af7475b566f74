{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}
-- The household-id ledger, kept like the client-id ledger by the same macro
-- (macros/ledger/id_ledger.sql): append-only, never rebuilt (full_refresh=false),
-- one row for every membership item (a client's n-th stay in one episode group,
-- int_household_episodes.item_key) whose household id is new or changed; the
-- latest row per item is its current id.
--
-- An id belongs to a household: its first episode and the episodes that carry
-- it on after moves (int_household_lineage). Each previous id stays with the
-- household holding most of its items (a split keeps the id on the larger
-- part); a household holding several previous ids keeps the lowest (oldest);
-- households without an id get new ones, in order of their start. So a rebuild
-- gives the same ids, a newly seen member joins the existing household id, and
-- a household that moves keeps its id.
{% set items %}
    select
        episodes.item_key as member_key,
        lineage.label as group_key,
        episodes.valid_from as sort_key
    from {{ ref('int_household_episodes') }} as episodes
    inner join {{ ref('int_household_lineage') }} as lineage on lineage.node = episodes.episode_key
{% endset %}
{{ id_ledger(items, 'item_key', 'household', format_household_id) }}
