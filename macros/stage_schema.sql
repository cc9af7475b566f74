{#- Staging, driven by the schema registry: one call per schema,
    `{{ stage_schema('H01A') }}`, gives one row per raw row with
      - lineage: load_id, source_file, source_row, loaded_at, load_order,
        file_type, extract_date (from raw.load_log);
      - record_key: a stable hash of the schema code and the natural key parts
        (schemas/<code>.yaml `natural_key`, with `natural_key_when_blank`);
      - identity: surname, firstname, dob, postcode, nhs_number, ni_number,
        reference, address, and their normalised forms;
      - for cost schemas, the service-use fields: service_type, need,
        start_date, end_date, unit_cost, frequency (schemas/<code>.yaml `service_use`).
-#}

{#- The standard identity fields every staging model has, in output order. -#}
{% macro identity_fields() %}
    {{ return(['reference', 'surname', 'firstname', 'dob', 'postcode', 'nhs_number', 'ni_number', 'address']) }}
{% endmacro %}

{#- The standard service-use fields of cost schemas, in output order: (column,
    key of the schema's `service_use` mapping that gives it, type). -#}
{% macro service_use_fields() %}
    {{ return([
        ('service_type', 'service_type', dbt.type_string()),
        ('need', 'need', dbt.type_string()),
        ('start_date', 'start', 'date'),
        ('end_date', 'end', 'date'),
        ('unit_cost', 'unit_cost', type_money()),
        ('frequency', 'frequency', dbt.type_string()),
    ]) }}
{% endmacro %}

{#- A raw column, optionally qualified. -#}
{% macro _raw_col(name, qualifier) -%}
    {{ qualifier ~ '.' if qualifier }}{{ adapter.quote(name) }}
{%- endmacro %}

{#- One identity field of a schema as SQL (typed NULL when the schema lacks it). -#}
{% macro identity_expr(s, field, qualifier='', normalised=false) -%}
    {%- set col = s['identity'].get(field) -%}
    {%- if field == 'address' -%}
        {%- if col -%}
            {%- set parts = [] -%}
            {%- for c in col -%}{%- do parts.append(_raw_col(c, qualifier)) -%}{%- endfor -%}
            {{ join_non_null(parts) }}
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif -%}
    {%- elif not col -%}
        cast(null as {{ 'date' if field == 'dob' else dbt.type_string() }})
    {%- elif field == 'dob' -%}
        cast({{ _raw_col(col, qualifier) }} as date)
    {%- elif normalised and field in ('surname', 'firstname') -%}
        {{ normalise_name(_raw_col(col, qualifier)) }}
    {%- elif normalised and field == 'postcode' -%}
        {{ normalise_postcode(_raw_col(col, qualifier)) }}
    {%- elif normalised -%}
        {{ normalise_identifier(_raw_col(col, qualifier)) }}
    {%- else -%}
        cast({{ _raw_col(col, qualifier) }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- A service-use mapping item (schemas/<code>.yaml `service_use`) as SQL.
    Forms: a column name; {column: c}; {value: v}; {latest_of: [...]};
    {earliest_of: [...]}; {first_of: [...]}; {min_over_key: c}; {max_over_key: c}
    (the earliest / latest value over all rows of the same record). -#}
{% macro service_use_expr(spec, qualifier='', key_column=none) -%}
    {%- if spec is string -%}
        {{ _raw_col(spec, qualifier) }}
    {%- elif spec is mapping and spec | length == 1 -%}
        {%- set op = (spec.keys() | list)[0] -%}
        {%- set arg = spec[op] -%}
        {%- if op == 'column' -%}
            {{ _raw_col(arg, qualifier) }}
        {%- elif op == 'value' -%}
            '{{ arg | replace("'", "''") }}'
        {%- elif op in ('latest_of', 'earliest_of', 'first_of') -%}
            {%- set parts = [] -%}
            {%- for item in arg -%}{%- do parts.append(service_use_expr(item, qualifier, key_column)) -%}{%- endfor -%}
            {%- if op == 'latest_of' -%}{{ latest_of(parts) }}
            {%- elif op == 'earliest_of' -%}{{ earliest_of(parts) }}
            {%- else -%}coalesce({{ parts | join(', ') }})
            {%- endif -%}
        {%- elif op in ('min_over_key', 'max_over_key') -%}
            {%- if key_column is none -%}
                {{ exceptions.raise_compiler_error(op ~ " cannot be used in a natural key") }}
            {%- endif -%}
            {{ op[:3] }}({{ _raw_col(arg, qualifier) }}) over (partition by {{ key_column }})
        {%- else -%}
            {{ exceptions.raise_compiler_error("unknown service_use form " ~ op) }}
        {%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("bad service_use item " ~ spec) }}
    {%- endif -%}
{%- endmacro %}

{#- One natural-key part as text. `identity.x` is the normalised identity field,
    `service_use.x` the service-use field, anything else a raw column. -#}
{% macro natural_key_part(s, part, qualifier) -%}
    {%- if part.startswith('identity.') -%}
        {%- set expr = identity_expr(s, part[9:], qualifier, normalised=true) -%}
    {%- elif part.startswith('service_use.') -%}
        {%- set expr = service_use_expr(s['service_use'][part[12:]], qualifier) -%}
    {%- else -%}
        {%- set expr = _raw_col(part, qualifier) -%}
    {%- endif -%}
    cast({{ expr }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- The record key: hash of the schema code and the natural key parts. A blank
    optional key column is replaced by the parts listed for it in
    `natural_key_when_blank`, or else by the person's normalised surname,
    dob and postcode. -#}
{% macro record_key_expr(s, qualifier='r') -%}
    {%- set parts = ["'" ~ s['code'] ~ "'"] -%}
    {%- set default_fallback = ['identity.surname', 'identity.dob', 'identity.postcode'] -%}
    {%- for part in s['natural_key'] -%}
        {%- set text = natural_key_part(s, part, qualifier) -%}
        {%- set col = (s['columns'] | selectattr('name', 'equalto', part) | list) -%}
        {%- if col and not col[0]['mandatory'] -%}
            {%- set fallback_parts = [] -%}
            {%- for fb in s['natural_key_when_blank'].get(part, default_fallback) -%}
                {%- do fallback_parts.append("coalesce(" ~ natural_key_part(s, fb, qualifier) ~ ", '')") -%}
                {%- do fallback_parts.append("'|'") -%}
            {%- endfor -%}
            {%- set text = "case when " ~ _raw_col(part, qualifier) ~ " is null then "
                ~ dbt.concat(["'~blank~|'"] + fallback_parts) ~ " else " ~ text ~ " end" -%}
        {%- endif -%}
        {%- do parts.append("'|'") -%}
        {%- do parts.append("coalesce(" ~ text ~ ", '')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

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
{%- for field in identity_fields() %}
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
