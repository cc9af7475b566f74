-- Each current record's client id: the latest entry in the id ledger.
with ledger as (

    select
        record_key,
        client_id,
        row_number() over (partition by record_key order by build_seq desc) as recency
    from {{ ref('int_client_id_assignments') }}

)

select
    records.record_key,
    ledger.client_id
from {{ ref('int_identity_records') }} as records
inner join ledger on ledger.record_key = records.record_key and ledger.recency = 1
