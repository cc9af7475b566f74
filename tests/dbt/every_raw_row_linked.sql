-- Every accepted raw row of every person schema (cost and status; not a gazetteer) appears in
-- marts.client_record_links. Returns the rows that do not.
{%- for code, s in costcalc_person_schemas().items() %}
select '{{ code }}' as schema_code, raw_rows._source_file as source_file, raw_rows._source_row as source_row
from {{ source('raw', s['table']) }} as raw_rows
where not exists (
    select 1 from {{ ref('client_record_links') }} as links
    where links.schema_code = '{{ code }}'
      and links.source_file = raw_rows._source_file
      and links.source_row = raw_rows._source_row
)
{% if not loop.last %}union all{% endif %}
{%- endfor %}
