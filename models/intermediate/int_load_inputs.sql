-- One row per load (raw.load_log): a fingerprint of everything staging makes
-- of that load's raw rows besides the rows themselves, which never change once
-- loaded: its load-log entry (schema, file type, extract date, load order,
-- when it committed, status) and how staging treats its schema
-- (staging_logic_version: an MD5 of the staging SQL as this build compiles
-- it). A schema whose staging reads across loads (a service-use field given as
-- min_over_key / max_over_key: RB01's claim runs from its first snapshot to its
-- last, over every load of the claim) also puts every load of that schema into
-- each of its loads' fingerprints, so that any load of it arriving, changing or
-- going stages all of them again. int_source_rows keeps each load's staged rows
-- between builds, stages again exactly the loads whose fingerprint changed or
-- that are new, and forgets the loads that are gone (docs/scale.md,
-- "Incremental builds").
{%- set across_loads = [] %}
{%- for code, s in costcalc_person_schemas().items() if '_over_key' in tojson(s.get('service_use') or {}) %}
{%- do across_loads.append(code) %}
{%- endfor %}
with loads as (

    select
        load_id,
        schema_code,
        {{ cost_inputs_row_text(['load_id', 'schema_code', 'file_type', 'extract_date',
                                 'load_order', 'loaded_at', 'status']) }} as load_text,
        case schema_code
            {%- for code in costcalc_person_schemas() %}
            when '{{ code }}' then '{{ staging_logic_version(code) }}'
            {%- endfor %}
            else '-'
        end as staging_version
    from {{ ref('stg_load_log') }}

),

schema_loads as (

    -- every load of a schema whose staging reads across loads, as one text
    select
        schema_code,
        {{ record_inputs_fingerprint(load_fingerprint_number(dbt.hash('load_text'))) }} as schema_text
    from loads
    where schema_code in ({{ ("'" ~ (across_loads | join("', '")) ~ "'") if across_loads else 'null' }})
    group by schema_code

),

fingerprints as (

    select
        loads.load_id,
        {{ dbt.hash(dbt.concat(['loads.load_text', "'|'", 'loads.staging_version', "'|'",
                                "coalesce(schema_loads.schema_text, '-')"])) }} as inputs_hash
    from loads
    left join schema_loads on schema_loads.schema_code = loads.schema_code

)

-- load_number: the fingerprint as the number a record's fingerprint sums
-- (record_inputs_fingerprint), worked out once per load; inputs_signature: the
-- number int_source_rows' stored rows are compared by (inputs_signature.sql)
select
    load_id,
    inputs_hash,
    {{ load_fingerprint_number('inputs_hash') }} as load_number,
    {{ inputs_signature('load_id', 'inputs_hash') }} as inputs_signature
from fingerprints
