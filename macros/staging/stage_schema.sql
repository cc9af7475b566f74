{#- Staging, driven by the schema registry: one call per schema,
    `{{ stage_schema('H01A') }}`, gives one row per raw row with
      - lineage: load_id, source_file, source_row, loaded_at, load_order,
        file_type, extract_date (from raw.load_log);
      - record_key: a stable hash of the schema code and the natural key parts
        (schemas/<code>.yaml `natural_key`, with `natural_key_when_blank`);
      - identity: surname, firstname, dob, postcode, nhs_number, ni_number,
        reference, address, and their normalised forms;
      - for cost schemas, the service-use fields: service_type, need,
        start_date, end_date, unit_cost, frequency, supplier (schemas/<code>.yaml `service_use`).
    A gazetteer (kind gazetteer) has no person: instead of the identity it
    gives uprn, postcode_norm and uprn_key (macros/households/household_uprn_key.sql).
-#}

{% macro stage_schema(code) %}
{%- set s = costcalc_schema(code) %}
with source_rows as (

    select * from {{ source('raw', s['table']) }}

),

loads as (

    select * from {{ ref('stg_load_log') }}

),

keyed as (

    select
        r.*,
        loads.file_type as _cc_file_type,
        loads.extract_date as _cc_extract_date,
        loads.load_order as _cc_load_order,
        coalesce(loads.loaded_at, r._loaded_at) as _cc_loaded_at,
        {{ record_key_expr(s, 'r') }} as _cc_record_key
    from source_rows as r
    left join loads on loads.load_id = r._load_id

)

{%- set columns = [
    ("'" ~ s['code'] ~ "'", 'schema_code'),
    ('_cc_file_type', 'file_type'),
    ('_load_id', 'load_id'),
    ('_source_file', 'source_file'),
    ('_source_row', 'source_row'),
    ('_cc_loaded_at', 'loaded_at'),
    ('_cc_load_order', 'load_order'),
    ('_cc_extract_date', 'extract_date'),
    ('_cc_record_key', 'record_key'),
] %}
{%- if s['kind'] == 'gazetteer' %}
    {%- set g = s['gazetteer'] %}
    {%- set postcode_norm = normalise_postcode(raw_column(g['postcode'], '')) %}
    {%- do columns.append(('cast(' ~ raw_column(g['uprn'], '') ~ ' as ' ~ dbt.type_string() ~ ')', 'uprn')) %}
    {%- do columns.append((postcode_norm, 'postcode_norm')) %}
    {%- do columns.append((household_uprn_key(g['address'], postcode_norm, ''), 'uprn_key')) %}
{%- endif %}
{%- for field in (identity_fields() if s['kind'] != 'gazetteer' else []) %}
    {%- do columns.append((identity_expr(s, field), field)) %}
    {%- if field in ('surname', 'firstname', 'postcode') %}
        {%- do columns.append((identity_expr(s, field, normalised=true), field ~ '_norm')) %}
    {%- endif %}
{%- endfor %}
{%- if s['kind'] == 'cost' %}
    {%- for field, key, type in service_use_fields() %}
        {%- set spec = s['service_use'].get(key) %}
        {%- set expr = service_use_expr(spec, key_column='_cc_record_key') if spec else 'null' %}
        {%- do columns.append(('cast(' ~ expr ~ ' as ' ~ type ~ ')', field)) %}
    {%- endfor %}
{%- endif %}
select
    {%- for expr, alias in columns %}
    {{ expr }} as {{ alias }}{{ ',' if not loop.last }}
    {%- endfor %}
from keyed
{% endmacro %}
