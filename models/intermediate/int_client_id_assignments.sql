{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}
-- The client-id ledger: append-only, never rebuilt (full_refresh=false), one
-- row for every record whose client id is new or changed; the latest row per
-- record is its current id. The rules are the shared ledger's
-- (macros/ledger/id_ledger.sql): ids 'C' + 8 digits from a sequence, never
-- reused; each previous id stays with the cluster holding most of its records
-- (a split keeps the id on the larger part); a cluster holding several previous
-- ids keeps the lowest (oldest); clusters without an id get new ones, in order
-- of first load.
--
-- A record that is gone (its load undone by `costcalc unload`) gets a
-- 'retired' row: it no longer holds its id, so an id left with no record is
-- retired for good, and the record, if it is ever loaded again, is treated as
-- new (docs/retention.md).
{% set records %}
    select
        c.record_key as member_key,
        c.cluster_key as group_key,
        r.first_load_order as sort_key
    from {{ ref('int_record_clusters') }} as c
    inner join {{ ref('int_identity_records') }} as r on r.record_key = c.record_key
{% endset %}
{{ id_ledger(records, 'record_key', 'client', format_client_id, retire_gone=true) }}
