{#-
  Every identity record's matching details (match_record_details: names
  letters only, valid NHS and NI numbers only, placeholders as missing
  values, the canonical first name, the service reference key, the street
  line, the source row seen first), with details_key, its profile key unless
  a manual decision names it (int_match_records), the record's fingerprint
  (int_identity_records.inputs_hash: int_records') and the fingerprint of
  how details are worked out (match_record_details_logic: the macro as
  compiled and the placeholder and name-variant seeds' rows) it was worked
  out under, and the dbt invocation that worked it out.

  Incremental, kept by record (docs/matching.md, "Incremental builds"): a
  record's details depend on nothing but its own fields and source rows, the
  two seeds and the code. The pre-hook deletes every record whose
  fingerprint changed or that is gone, and every record when
  match_record_details_logic() changed (a seed, a var, the code); the model
  then works out only the records with no stored row and appends them, so
  the table is always what a full build would make. A table on Spark
  (parquet tables cannot delete rows).
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_changed(this, 'int_identity_records', key='record_key', logic=match_record_details_logic()) }}"
) }}
-- depends_on: {{ ref('int_identity_records') }}

with records as (

    select * from {{ ref('int_identity_records') }} as r
    {%- if is_incremental() %}
    -- only the records with no stored row: new or changed (the pre-hook deleted theirs)
    where
        not exists (
            select 1 from {{ this }} as stored
            where stored.record_key = r.record_key
        )
    {%- endif %}

),

{{ match_record_details('records') }}

select
    details.*,
    records.inputs_hash,
    cast('{{ match_record_details_logic() }}' as {{ dbt.type_string() }}) as logic_version,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as detailed_by_invocation
from details
inner join records on records.record_key = details.record_key
