{#- Every staging model (one per registry schema), unioned with the same
    columns; status schemas get NULL service-use fields. -#}
{% macro union_staging() %}
{%- set common = ['schema_code', 'file_type', 'load_id', 'source_file', 'source_row', 'loaded_at',
                  'load_order', 'extract_date', 'record_key',
                  'reference', 'surname', 'surname_norm', 'firstname', 'firstname_norm', 'dob',
                  'postcode', 'postcode_norm', 'nhs_number', 'ni_number', 'address'] %}
{%- for code, s in costcalc_person_schemas().items() %}
select
    {%- for c in common %}
    {{ c }},
    {%- endfor %}
    {%- for field, key, type in service_use_fields() %}
    {{ field if s['kind'] == 'cost' else 'cast(null as ' ~ type ~ ') as ' ~ field }}{{ ',' if not loop.last }}
    {%- endfor %}
from {{ ref('stg_' ~ s['table']) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endmacro %}
