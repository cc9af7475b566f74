-- One row per client, pseudonymous: age and age band (at build date), status
-- flags (no_fixed_abode: a ZZ99 3VZ-style postcode on any record) and counts. No names, dates of birth, addresses or references.
-- The flags are the schemas' `client_flag` declarations (schemas/*.yaml), in
-- the order of this model's columns in _marts.yml (its contract).
{%- set flags = costcalc_client_flags() %}
{%- set flag_order = [] %}
{%- for name in model.columns if name in flags %}{% do flag_order.append(name) %}{% endfor %}
{%- for name in flags if name not in flag_order %}
{%- if execute %}
        {{ exceptions.raise_compiler_error("client_flag " ~ name ~ " is not a dim_client column in models/marts/_marts.yml") }}
    {%- endif %}
{%- do flag_order.append(name) %}
{%- endfor %}
with records as (

    select
        records.*,
        ids.client_id,
        matching.is_no_fixed_abode
    from {{ ref('int_records') }} as records
    inner join {{ ref('int_record_client_ids') }} as ids on ids.record_key = records.record_key
    left join {{ ref('int_match_records') }} as matching on matching.record_key = records.record_key

),

latest_dob as (

    select client_id, dob from {{ ref('int_client_birth_dates') }}

),

per_client as (

    select
        client_id,
        {%- for name in flag_order %}
        {%- set codes = "'" ~ (flags[name] | join("', '")) ~ "'" %}
        {{ as_flag("max(case when schema_code in (" ~ codes ~ ") then 1 else 0 end) = 1") }} as {{ name }},
        {%- endfor %}
        count(*) as record_count,
        -- a no-fixed-abode pseudo-postcode (seeds/match_placeholders.csv) on any record
        {{ as_flag("max(coalesce(is_no_fixed_abode, 0)) = 1") }} as no_fixed_abode
    from records
    group by client_id

),

services as (

    select
        client_id,
        count(distinct service) as service_count,
        min(start_date) as first_service_date,
        max(end_date) as last_service_date
    from {{ ref('fct_service_use') }}
    group by client_id

),

ages as (

    select
        client_id,
        -- a whole number on every engine (on PostgreSQL the date parts are doubles)
        cast({{ years_between('dob', 'cast(' ~ dbt.current_timestamp() ~ ' as date)') }} as {{ dbt.type_bigint() }})
            as age
    from latest_dob

)

select
    per_client.client_id,
    ages.age,
    coalesce(age_bands.age_band, 'Unknown') as age_band,
    {%- for name in flag_order %}
    per_client.{{ name }},
    {%- endfor %}
    per_client.no_fixed_abode,
    coalesce(services.service_count, 0) as service_count,
    services.first_service_date,
    services.last_service_date,
    per_client.record_count
from per_client
inner join ages on ages.client_id = per_client.client_id
left join services on services.client_id = per_client.client_id
left join {{ ref('age_bands') }} as age_bands
    on ages.age between age_bands.min_age and age_bands.max_age
