{#- Every accepted raw row with an address, from every schema of the registry,
    as evidence of where a person lived (models/intermediate/households/
    int_household_observations.sql reads this; docs/households.md).
      - evidence_from / evidence_to: the dates the row says the person lived at
        the address. A schema in var household_residence_schemas (temporary
        accommodation: the service IS the stay) gives the service's own
        period, up to the extract date; any other row says where the person
        lived on its extract date (from the date of the load when the file has
        none) and, unless other evidence says otherwise (int_household_spells),
        for var household_lookback_days before it.
      - known_end: the end of a stay that the row says is over (residence
        schemas only).
      - uprn_key: the key the address is looked up by in the gazetteer
        (macros/households/household_uprn_key.sql);
      - uprn, family_id: columns named in vars household_uprn_columns and
        household_family_columns, where the schema has one.
      - load_id: the load the row came in (int_household_observation_rows
        keeps these rows between builds by load).
    `loads_kept`: the name of a relation (a CTE) with a column load_id; the
    rows of those loads are left out (the loads whose rows are kept already).
    household_rows_logic() is an MD5 of this macro as compiled without it. -#}
{% macro household_observation_rows(loads_kept=none) %}
{%- set residence = household_setting('household_residence_schemas') %}
{%- for code, s in costcalc_person_schemas().items() %}
{%- set names = s['columns'] | map(attribute='name') | list %}
{%- set uprn = (household_setting('household_uprn_columns') | select('in', names) | list) %}
{%- set family = (household_setting('household_family_columns') | select('in', names) | list) %}
{%- set seen = "coalesce(stg.extract_date, cast(stg.loaded_at as date))" %}
select
    stg.load_id,
    stg.record_key,
    stg.schema_code,
    stg.surname_norm,
    {{ household_line_key(s, 'stg.postcode_norm') }} as address_key,
    {{ household_uprn_key(s['identity'].get('address') or [], 'stg.postcode_norm') }} as uprn_key,
    {{ household_communal_flag(s) }} as is_communal_address,
    {{ "nullif(" ~ normalise_identifier(raw_column(uprn[0], 'r')) ~ ", '')" if uprn else "cast(null as " ~ dbt.type_string() ~ ")" }} as uprn,
    {{ "nullif(" ~ normalise_identifier(raw_column(family[0], 'r')) ~ ", '')" if family else "cast(null as " ~ dbt.type_string() ~ ")" }} as family_id,
    {%- if s['kind'] == 'cost' and code in residence %}
    cast({{ earlier_date('stg.start_date', seen) }} as date) as evidence_from,
    cast({{ earlier_date('coalesce(stg.end_date, ' ~ seen ~ ')', seen) }} as date) as evidence_to,
    cast(case when stg.end_date <= {{ seen }} then stg.end_date end as date) as known_end
    {%- else %}
    cast({{ dbt.dateadd('day', -household_setting('household_lookback_days'), seen) }} as date) as evidence_from,
    cast({{ seen }} as date) as evidence_to,
    cast(null as date) as known_end
    {%- endif %}
from {{ ref('stg_' ~ s['table']) }} as stg
inner join {{ source('raw', s['table']) }} as r
    on r._load_id = stg.load_id and r._source_row = stg.source_row
{%- if loads_kept is not none %}
where
    not exists (select 1 from {{ loads_kept }} as kept where kept.load_id = stg.load_id)
    and not exists (select 1 from {{ loads_kept }} as kept where kept.load_id = r._load_id)
{%- endif %}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endmacro %}
