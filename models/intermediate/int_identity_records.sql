-- One row per de-duplicated record with its normalised identifiers: what
-- record matching (int_record_clusters) reads. A view: it only names columns
-- of int_records, and writing a million rows again cost 1.2 s of every build
-- (docs/scale.md, "Incremental builds"). inputs_hash: the record's fingerprint
-- (int_record_inputs), by which int_match_record_details keeps its details.
{{ config(materialized='view') }}
select
    record_key,
    schema_code,
    file_type,
    source_row_count,
    first_loaded_at,
    last_loaded_at,
    first_load_order,
    last_load_order,
    extract_date,
    surname_norm,
    firstname_norm,
    dob,
    postcode_norm,
    nhs_number,
    ni_number,
    reference,
    surname,
    firstname,
    postcode,
    address,
    inputs_hash
from {{ ref('int_records') }}
