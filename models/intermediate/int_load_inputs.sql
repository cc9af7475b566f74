-- One row per load (raw.load_log): a fingerprint of everything staging makes
-- of that load's raw rows besides the rows themselves, which never change once
-- loaded: its load-log entry (schema, file type, extract date, load order,
-- when it committed, status) and how staging treats its schema
-- (staging_logic_version: an MD5 of the staging SQL as this build compiles
-- it). int_source_rows keeps each load's staged rows between builds, stages
-- again exactly the loads whose fingerprint changed or that are new, and
-- forgets the loads that are gone (docs/scale.md, "Incremental builds").
with loads as (

    select
        load_id,
        {{ cost_inputs_row_text(['load_id', 'schema_code', 'file_type', 'extract_date',
                                 'load_order', 'loaded_at', 'status']) }} as load_text,
        case schema_code
            {%- for code in costcalc_person_schemas() %}
            when '{{ code }}' then '{{ staging_logic_version(code) }}'
            {%- endfor %}
            else '-'
        end as staging_version
    from {{ ref('stg_load_log') }}

)

select
    load_id,
    {{ dbt.hash(dbt.concat(['load_text', "'|'", 'staging_version'])) }} as inputs_hash
from loads
