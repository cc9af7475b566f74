{#-
  Manual matching decisions (seeds/match_decisions.csv) with both records
  resolved to record keys. For each pair of records only the latest decision
  counts; on a tie, `unlink` wins. Decisions naming a record that no longer
  exists are dropped.
-#}
{{ config(materialized='table') }}

with seed as (
    {{ match_seed_or_empty('match_decisions', [
        ('decision', dbt.type_string()), ('record_key_a', dbt.type_string()),
        ('schema_code_a', dbt.type_string()), ('source_file_a', dbt.type_string()),
        ('source_row_a', dbt.type_int()), ('record_key_b', dbt.type_string()),
        ('schema_code_b', dbt.type_string()), ('source_file_b', dbt.type_string()),
        ('source_row_b', dbt.type_int()), ('decided_by', dbt.type_string()),
        ('reason', dbt.type_string()), ('decided_at', dbt.type_string())]) }}
),

decisions as (
    select
        lower(trim(decision)) as decision,
        record_key_a, schema_code_a, source_file_a, source_row_a,
        record_key_b, schema_code_b, source_file_b, source_row_b,
        decided_by, reason, decided_at
    from seed
    where lower(trim(decision)) in ('link', 'unlink')
),

lineage as (
    {{ match_record_lineage() }}
),

resolved as (
    select
        d.decision,
        coalesce(d.record_key_a, la.record_key) as rec_a,
        coalesce(d.record_key_b, lb.record_key) as rec_b,
        d.decided_by, d.reason, d.decided_at
    from decisions as d
    left join lineage as la
        on d.record_key_a is null
        and upper(la.schema_code) = upper(d.schema_code_a)
        and la.source_file = d.source_file_a
        and la.source_row = d.source_row_a
    left join lineage as lb
        on d.record_key_b is null
        and upper(lb.schema_code) = upper(d.schema_code_b)
        and lb.source_file = d.source_file_b
        and lb.source_row = d.source_row_b
),

existing as (
    select r.*
    from resolved as r
    where
        r.rec_a is not null and r.rec_b is not null and r.rec_a <> r.rec_b
        and r.rec_a in (select ir.record_key from {{ ref('int_identity_records') }} as ir)
        and r.rec_b in (select ir.record_key from {{ ref('int_identity_records') }} as ir)
),

ranked as (
    select
        case when rec_a < rec_b then rec_a else rec_b end as record_key_a,
        case when rec_a < rec_b then rec_b else rec_a end as record_key_b,
        decision, decided_by, reason, decided_at,
        row_number() over (
            partition by
                case when rec_a < rec_b then rec_a else rec_b end,
                case when rec_a < rec_b then rec_b else rec_a end
            order by decided_at desc, case when decision = 'unlink' then 0 else 1 end
        ) as rn
    from existing
)

select record_key_a, record_key_b, decision, decided_by, reason, decided_at
from ranked
where rn = 1
