{#- An append-only id ledger: the body of int_client_id_assignments (records
    -> client ids) and int_household_id_assignments (membership items ->
    household ids). The model is incremental (append, full_refresh=false):
    never rebuilt. Each build appends one row for every member whose id is new
    or changed, so the latest row per member (highest build_seq) is its
    current id, and the table is also the record of every id change.

    Rules: ids are a letter and 8 digits from a sequence (never derived from
    personal data) and never reused. Each previous id stays with the group
    holding most of its members (a split keeps the id on the larger part; a
    tie goes to the part that comes first by sort_key, then group_key); a
    group holding several previous ids keeps the lowest (oldest); groups
    without an id get new ones, in order of their first sort_key.

    members_sql: a select of (member_key, group_key, sort_key), one row per member.
    key_column:  the ledger's name for member_key (record_key, item_key).
    id_name:     'client' or 'household': the columns are <id_name>_seq,
                 <id_name>_id and previous_<id_name>_id.
    format_id:   the macro that formats a sequence number as an id.
    retire_gone: when true, a member that is gone gets a 'retired' row and
                 gives up its id (docs/retention.md); an id left with no
                 member is then never given out again.
-#}
{% macro id_ledger(members_sql, key_column, id_name, format_id, retire_gone=false) -%}
{%- set seq = id_name ~ '_seq' -%}
with members as (

    {{ members_sql }}

),

{% if is_incremental() %}
ledger as (

    select * from {{ this }}

),

current_ids as (

    -- each member's latest entry, unless it was retired
    select member_key, seq
    from (
        select
            {{ key_column }} as member_key,
            {{ seq }} as seq,
            change_reason,
            row_number() over (partition by {{ key_column }} order by build_seq desc) as recency
        from ledger
    ) as latest
    where recency = 1 and change_reason <> 'retired'

),

previous_build as (

    select coalesce(max({{ seq }}), 0) as max_seq, coalesce(max(build_seq), 0) as build_seq
    from ledger

),
{% else %}
current_ids as (

    select cast(null as {{ dbt.type_string() }}) as member_key, cast(null as {{ dbt.type_bigint() }}) as seq
    where 1 = 0

),

previous_build as (

    select cast(0 as {{ dbt.type_bigint() }}) as max_seq, cast(0 as {{ dbt.type_bigint() }}) as build_seq

),
{% endif %}

previous as (

    select members.member_key, members.group_key, members.sort_key, current_ids.seq
    from members
    inner join current_ids on current_ids.member_key = members.member_key

),

id_homes as (

    -- each previous id's home: the group holding most of its members
    select seq, group_key
    from (
        select
            seq,
            group_key,
            row_number() over (
                partition by seq
                order by count(*) desc, min(sort_key), group_key
            ) as preference
        from previous
        group by seq, group_key
    ) as candidates
    where preference = 1

),

kept_ids as (

    select group_key, min(seq) as seq
    from id_homes
    group by group_key

),

new_ids as (

    select
        members.group_key,
        previous_build.max_seq + row_number() over (
            order by min(members.sort_key), members.group_key
        ) as seq
    from members
    cross join previous_build
    where members.group_key not in (select kept_ids.group_key from kept_ids)
    group by members.group_key, previous_build.max_seq

),

group_ids as (

    select group_key, seq from kept_ids
    union all
    select group_key, seq from new_ids

),

assigned as (

    select
        members.member_key,
        group_ids.seq,
        current_ids.seq as previous_seq
    from members
    inner join group_ids on group_ids.group_key = members.group_key
    left join current_ids on current_ids.member_key = members.member_key

)

select
    assigned.member_key as {{ key_column }},
    assigned.seq as {{ seq }},
    {{ format_id('assigned.seq') }} as {{ id_name }}_id,
    case when assigned.previous_seq is not null then {{ format_id('assigned.previous_seq') }} end
        as previous_{{ id_name }}_id,
    case
        when assigned.previous_seq is null then 'new'
        when assigned.previous_seq in (select kept_ids.seq from kept_ids) then 'split'
        else 'merged'
    end as change_reason,
    previous_build.build_seq + 1 as build_seq,
    {{ dbt.current_timestamp() }} as assigned_at
from assigned
cross join previous_build
where assigned.previous_seq is null or assigned.previous_seq <> assigned.seq
{%- if retire_gone %}

union all

-- members that are gone give up their id
select
    current_ids.member_key as {{ key_column }},
    current_ids.seq as {{ seq }},
    {{ format_id('current_ids.seq') }} as {{ id_name }}_id,
    {{ format_id('current_ids.seq') }} as previous_{{ id_name }}_id,
    'retired' as change_reason,
    previous_build.build_seq + 1 as build_seq,
    {{ dbt.current_timestamp() }} as assigned_at
from current_ids
cross join previous_build
where not exists (
    select 1 from members
    where members.member_key = current_ids.member_key
)
{%- endif %}
{%- endmacro %}
