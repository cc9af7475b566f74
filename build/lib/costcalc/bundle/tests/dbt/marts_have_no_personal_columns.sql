-- The public marts hold no identifying column: none is named like an identity
-- field or like any column the schema registry marks personal.
{%- set names = ['surname', 'firstname', 'forename', 'dob', 'date_of_birth', 'postcode', 'address',
                 'nhs_number', 'ni_number', 'reference', 'surname_norm', 'firstname_norm', 'postcode_norm',
                 'record_key', 'cluster_key'] %}
{%- for code, s in costcalc_schemas().items() %}
    {%- for c in s['columns'] if c['personal'] and c['name'] not in names %}
        {%- do names.append(c['name']) %}
    {%- endfor %}
{%- endfor %}
select table_name, column_name
from ({{ marts_columns() }}) as marts_columns
where lower(column_name) in ({% for n in names %}'{{ n }}'{{ ', ' if not loop.last }}{% endfor %})
{%- for m in ['client_record_links', 'fct_cost_monthly', 'fct_service_use', 'dim_client', 'fct_client_membership',
              'rpt_spend_by_client', 'rpt_spend_by_service', 'rpt_client_breakdown', 'rpt_ta_vs_population'] %}
-- depends_on: {{ ref(m) }}
{%- endfor %}
