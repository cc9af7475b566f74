-- Every supplier name the files give (supplier_given, as loaded), with the supplier it
-- names: spellings that differ only in case, spacing or the legal-form suffix
-- ('Acme Care Limited', 'ACME CARE LTD', 'Acme  Care Ltd.') are one supplier, named by
-- the spelling most of its records use (ties: the first in sort order). Nothing else is
-- merged: 'Acme Care' and 'Acme Care Ltd' stay two (docs/reports.md, "Suppliers").
with records as (

    select supplier as supplier_given, count(*) as record_count
    from {{ ref('int_records') }}
    where supplier is not null
    group by supplier

),

spaced as (

    select
        supplier_given,
        record_count,
        trim({{ collapse_spaces('supplier_given') }}) as spaced_name
    from records

),

named as (

    select
        supplier_given,
        record_count,
        {{ legal_form_suffix('spaced_name') }} as supplier_name
    from spaced
    where spaced_name <> ''

),

keyed as (

    select
        supplier_given,
        record_count,
        supplier_name,
        upper(supplier_name) as supplier_key
    from named

),

spellings as (

    select supplier_key, supplier_name, sum(record_count) as record_count
    from keyed
    group by supplier_key, supplier_name

),

ranked as (

    select
        supplier_key,
        supplier_name,
        row_number() over (partition by supplier_key order by record_count desc, supplier_name asc) as preference
    from spellings

)

select
    keyed.supplier_given,
    keyed.supplier_key,
    ranked.supplier_name as supplier
from keyed
inner join ranked
    on ranked.supplier_key = keyed.supplier_key
    and ranked.preference = 1
