-- Which clients live together, and over which dates (docs/contract.md §4):
-- one row per client, household and unbroken period; valid_to is NULL while the membership is
-- current. Pseudonymous: ids and dates only. How households are found:
-- docs/households.md.
select
    household_id,
    client_id,
    valid_from,
    valid_to
from {{ ref('int_household_members') }}
