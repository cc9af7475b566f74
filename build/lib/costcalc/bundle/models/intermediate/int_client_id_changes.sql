-- Every change of a record's client id (merges and splits), from the id ledger.
select
    record_key,
    previous_client_id,
    client_id,
    change_reason,
    build_seq,
    assigned_at
from {{ ref('int_client_id_assignments') }}
where previous_client_id is not null
