"""Household filters of the client pool (docs/households.md, docs/reports.md):
fixed SQL fragments on ``marts.dim_client`` aliased ``c``, with every value a
``?`` parameter.

A client is in the pool when any household they ever belonged to
(``marts.fct_household_membership``) matches: ``--household-with-children``
keeps clients who ever lived in a household with children (``--no-...``: who
never did); ``--household-size-min N`` those who ever lived in a household of
at least N people (``dim_household.max_members``); ``--household-size-max N``
those who never lived in one of more than N. A client with no household (no
address line on any record) matches only the "never" forms.
"""

from __future__ import annotations

_HOUSEHOLDS_OF_C = ("SELECT 1 FROM marts.fct_household_membership hm"
                    " JOIN marts.dim_household h ON h.household_id = hm.household_id"
                    " WHERE hm.client_id = c.client_id")
_WITH_CHILDREN = f"  AND EXISTS ({_HOUSEHOLDS_OF_C} AND coalesce(CAST(h.with_children AS BOOLEAN), false) = ?)"
_WITHOUT_CHILDREN = f"  AND NOT EXISTS ({_HOUSEHOLDS_OF_C} AND coalesce(CAST(h.with_children AS BOOLEAN), false) = ?)"
_SIZE_MIN = f"  AND EXISTS ({_HOUSEHOLDS_OF_C} AND h.max_members >= ?)"
_SIZE_MAX = f"  AND NOT EXISTS ({_HOUSEHOLDS_OF_C} AND h.max_members > ?)"

#: The same tests on one household, ``marts.dim_household`` aliased ``h`` (household reports).
_H_WITH_CHILDREN = "  AND coalesce(CAST(h.with_children AS BOOLEAN), false) = ?"
_H_SIZE_MIN = "  AND h.max_members >= ?"
_H_SIZE_MAX = "  AND h.max_members <= ?"


def household_pool_fragments(q, f) -> None:
    """Add the household filters of ``f`` (a ReportFilters) to the client pool query ``q``."""
    if f.household_with_children is True:
        q.add(_WITH_CHILDREN, True)
    elif f.household_with_children is False:
        q.add(_WITHOUT_CHILDREN, True)
    if f.household_size_min is not None:
        q.add(_SIZE_MIN, int(f.household_size_min))
    if f.household_size_max is not None:
        q.add(_SIZE_MAX, int(f.household_size_max))


def household_fragments(q, f) -> None:
    """The household filters of ``f`` on one household (``marts.dim_household`` aliased h)."""
    if f.household_with_children is not None:
        q.add(_H_WITH_CHILDREN, bool(f.household_with_children))
    if f.household_size_min is not None:
        q.add(_H_SIZE_MIN, int(f.household_size_min))
    if f.household_size_max is not None:
        q.add(_H_SIZE_MAX, int(f.household_size_max))
