{#-
  Every identity record's matching details (match_record_details: names
  letters only, valid NHS and NI numbers only, placeholders as missing
  values, the canonical first name, the service reference key, the street
  line, the source row seen first), with details_key, its profile key unless
  a manual decision names it (int_match_records), the fingerprint it was
  worked out from (int_match_record_inputs: the record's own, int_records',
  and how details are worked out, match_record_details_logic: the macro as
  compiled and the placeholder and name-variant seeds' rows) with its
  signature, and the dbt invocation that worked it out.

  Incremental, kept by record (docs/matching.md, "Incremental builds"): a
  record's details depend on nothing but its own fields and source rows, the
  two seeds and the code. The pre-hook (forget_changed) deletes every record
  whose fingerprint changed or that is gone, which is every record when
  match_record_details_logic() changed (a seed, a var, the code); the model
  then works out only the records with no stored row and appends them, so
  the table is always what a full build would make. A table on Spark
  (parquet tables cannot delete rows).
-#}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ forget_changed(this, 'int_match_record_inputs') }}"
) }}
-- depends_on: {{ ref('int_match_record_inputs') }}

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
    inputs.inputs_hash,
    inputs.inputs_signature,
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as detailed_by_invocation
from details
inner join {{ ref('int_match_record_inputs') }} as inputs on inputs.record_key = details.record_key
