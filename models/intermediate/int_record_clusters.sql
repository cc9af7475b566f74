-- Which records are the same person: the 2017 tool's exact rule, normalised
-- surname + date of birth + normalised postcode. Interface: (record_key,
-- cluster_key); a matching model may replace this one with the same columns.
select
    record_key,
    {{ dbt.hash(dbt.concat([
        "coalesce(surname_norm, '')", "'|'",
        "coalesce(cast(dob as " ~ dbt.type_string() ~ "), '')", "'|'",
        "coalesce(postcode_norm, '')"
    ])) }} as cluster_key
from {{ ref('int_identity_records') }}
