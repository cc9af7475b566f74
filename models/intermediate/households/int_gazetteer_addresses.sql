-- The gazetteer's addresses (schemas of kind gazetteer, e.g. GZ01, the
-- council's LLPG or an AddressBase extract), one row per lookup key
-- (macros/households/household_uprn_key.sql) that names exactly one property.
-- For each UPRN only its newest row counts (the newest extract wins, then the
-- latest load, then the file's last row of it: docs/contract.md §2). A key
-- two or more UPRNs share (a building's flats listed without their numbers, a duplicate entry) gives no
-- UPRN at all: the address then counts as written. No gazetteer loaded: no rows.
{%- set gazetteers = costcalc_schemas('gazetteer') %}
{%- if gazetteers %}
with listed as (

    {%- for code, s in gazetteers.items() %}
    select
        uprn,
        uprn_key,
        extract_date,
        load_order,
        source_row
    from {{ ref('stg_' ~ s['table']) }}
    where uprn is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

newest as (

    select
        uprn,
        uprn_key,
        row_number() over (
            partition by uprn
            order by case when extract_date is null then 1 else 0 end asc, extract_date desc, load_order desc, source_row desc
        ) as recency
    from listed

)

select
    uprn_key,
    min(uprn) as uprn
from newest
where recency = 1 and uprn_key is not null
group by uprn_key
having count(distinct uprn) = 1
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as uprn_key,
    cast(null as {{ dbt.type_string() }}) as uprn
where 1 = 0
{%- endif %}
