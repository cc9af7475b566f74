{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}
-- The client-id ledger: append-only, never rebuilt (full_refresh=false). Each
-- build appends one row for every record whose client id is new or changed,
-- so the latest row per record is its current id and the table is also the
-- record of every id change.
--
-- Rules: ids are 'C' + 8 digits from a sequence (never derived from personal
-- data) and are never reused. Each previous id stays with the cluster holding
-- most of its records (a split keeps the id on the larger part); a cluster
-- holding several previous ids keeps the lowest (oldest); clusters without an
-- id get new ones, in order of first load.
--
-- A record that is gone (its load undone by `costcalc unload`) gets a
-- 'retired' row: it no longer holds its id, so an id left with no record is
-- retired for good, and the record, if it is ever loaded again, is treated as
-- new (docs/retention.md).
with clusters as (

    select
        c.record_key,
        c.cluster_key,
        r.first_load_order
    from {{ ref('int_record_clusters') }} as c
    inner join {{ ref('int_identity_records') }} as r on r.record_key = c.record_key

),

{% if is_incremental() %}
ledger as (

    select * from {{ this }}

),

current_ids as (

    -- each record's latest entry, unless it was retired
    select record_key, client_seq
    from (
        select
            record_key,
            client_seq,
            change_reason,
            row_number() over (partition by record_key order by build_seq desc) as recency
        from ledger
    ) as latest
    where recency = 1 and change_reason <> 'retired'

),

previous_build as (

    select coalesce(max(client_seq), 0) as max_seq, coalesce(max(build_seq), 0) as build_seq
    from ledger

),
{% else %}
current_ids as (

    select cast(null as {{ dbt.type_string() }}) as record_key, cast(null as {{ dbt.type_bigint() }}) as client_seq
    where 1 = 0

),

previous_build as (

    select cast(0 as {{ dbt.type_bigint() }}) as max_seq, cast(0 as {{ dbt.type_bigint() }}) as build_seq

),
{% endif %}

previous as (

    select clusters.record_key, clusters.cluster_key, clusters.first_load_order, current_ids.client_seq
    from clusters
    inner join current_ids on current_ids.record_key = clusters.record_key

),

id_homes as (

    -- each previous id's home: the cluster holding most of its records
    select client_seq, cluster_key
    from (
        select
            client_seq,
            cluster_key,
            row_number() over (
                partition by client_seq
                order by count(*) desc, min(first_load_order), cluster_key
            ) as preference
        from previous
        group by client_seq, cluster_key
    ) as candidates
    where preference = 1

),

kept_ids as (

    select cluster_key, min(client_seq) as client_seq
    from id_homes
    group by cluster_key

),

new_ids as (

    select
        clusters.cluster_key,
        previous_build.max_seq + row_number() over (
            order by min(clusters.first_load_order), clusters.cluster_key
        ) as client_seq
    from clusters
    cross join previous_build
    where clusters.cluster_key not in (select kept_ids.cluster_key from kept_ids)
    group by clusters.cluster_key, previous_build.max_seq

),

cluster_ids as (

    select cluster_key, client_seq from kept_ids
    union all
    select cluster_key, client_seq from new_ids

),

assigned as (

    select
        clusters.record_key,
        cluster_ids.client_seq,
        current_ids.client_seq as previous_seq
    from clusters
    inner join cluster_ids on cluster_ids.cluster_key = clusters.cluster_key
    left join current_ids on current_ids.record_key = clusters.record_key

)

select
    assigned.record_key,
    assigned.client_seq,
    {{ format_client_id('assigned.client_seq') }} as client_id,
    case when assigned.previous_seq is not null then {{ format_client_id('assigned.previous_seq') }} end
        as previous_client_id,
    case
        when assigned.previous_seq is null then 'new'
        when assigned.previous_seq in (select kept_ids.client_seq from kept_ids) then 'split'
        else 'merged'
    end as change_reason,
    previous_build.build_seq + 1 as build_seq,
    {{ dbt.current_timestamp() }} as assigned_at
from assigned
cross join previous_build
where assigned.previous_seq is null or assigned.previous_seq <> assigned.client_seq

union all

-- records that are gone give up their id
select
    current_ids.record_key,
    current_ids.client_seq,
    {{ format_client_id('current_ids.client_seq') }} as client_id,
    {{ format_client_id('current_ids.client_seq') }} as previous_client_id,
    'retired' as change_reason,
    previous_build.build_seq + 1 as build_seq,
    {{ dbt.current_timestamp() }} as assigned_at
from current_ids
cross join previous_build
where not exists (
    select 1 from clusters
    where clusters.record_key = current_ids.record_key
)
