"""Household reports (docs/reports.md, docs/households.md): the households
costing most in a period, and one household's costs by member and service.

Costs are the client reports' exact-day costs (``costcalc.reports.filters``),
each costed record counted for one household: the household its client
belonged to over the record's costed days (the latest-starting membership of
``marts.fct_household_membership`` overlapping them); before the client's
first membership their first household, after their last their last. Every
value a user types is a ``?`` parameter of a fixed fragment.
"""

from __future__ import annotations

from costcalc.reports import disclosure
from costcalc.reports.connection import _frame, resolve_period
from costcalc.reports.errors import ReportError
from costcalc.reports.filters import ReportFilters, _base_query
from costcalc.reports.household_filters import household_fragments
from costcalc.reports.results import DATE, DAYS, INT, MONEY, TEXT, Report

#: The household marts these reports read, beyond the client reports' marts.
HOUSEHOLD_TABLES = ("fct_household_membership", "dim_household")

# Each costed record (k) with the household it counts for.
_ALLOCATED = """, spans AS (
  SELECT k.*, greatest(s.start_date, k.b_from) AS c_from, least(coalesce(s.end_date, k.b_to), k.b_to) AS c_to
  FROM costed k JOIN marts.fct_service_use s ON s.service_use_id = k.service_use_id
), allocated AS (
  SELECT service_use_id, client_id, service, service_type, b_from, b_to, days, cost, household_id FROM (
    SELECT sp.*, m.household_id,
           row_number() OVER (
             PARTITION BY sp.service_use_id, sp.b_from
             ORDER BY CASE WHEN m.valid_from <= sp.c_to AND coalesce(m.valid_to, DATE '9999-12-31') >= sp.c_from
                           THEN 0 WHEN m.valid_from > sp.c_to THEN 1 ELSE 2 END,
                      CASE WHEN m.valid_from > sp.c_to THEN m.valid_from ELSE DATE '1900-01-01' END,
                      m.valid_from DESC, m.household_id) AS preference
    FROM spans sp JOIN marts.fct_household_membership m ON m.client_id = sp.client_id
  ) AS ranked WHERE preference = 1
)"""


def _check_tables(con) -> None:
    have = {t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", ["marts"]).fetchall()}
    missing = [f"marts.{t}" for t in HOUSEHOLD_TABLES if t not in have]
    if missing:
        raise ReportError(f"The warehouse has no {', '.join(missing)}: run `costcalc build` first.")


def top_households(con, filters: ReportFilters | None = None, limit: int = 20) -> Report:
    """The households costing most in the period, most expensive first."""
    f = filters or ReportFilters()
    if limit < 1:
        raise ReportError("--limit must be at least 1")
    _check_tables(con)
    period = resolve_period(con, f)
    q = _base_query(f, period)
    q.add(_ALLOCATED)
    q.add("""SELECT row_number() OVER (ORDER BY sum(a.cost) DESC, a.household_id) AS rank,
       a.household_id, h.max_members AS size,
       count(DISTINCT a.client_id) AS members_costed,
       CASE WHEN CAST(h.with_children AS BOOLEAN) THEN 'yes' ELSE 'no' END AS children,
       CASE WHEN CAST(h.ever_temporary_accommodation AS BOOLEAN) THEN 'yes' ELSE 'no' END AS ever_ta,
       count(DISTINCT a.service) AS services,
       count(DISTINCT a.service_use_id) AS records,
       sum(a.cost) AS cost
FROM allocated a JOIN marts.dim_household h ON h.household_id = a.household_id
WHERE true""")
    household_fragments(q, f)
    q.add("""GROUP BY a.household_id, h.max_members, h.with_children, h.ever_temporary_accommodation
ORDER BY cost DESC, a.household_id
LIMIT ?""", int(limit))
    frame = _frame(con, q)
    return disclosure.label_individual(Report(
        name="top-households", title=f"Top {limit} households by cost", period_from=period[0],
        period_to=period[1], filters=f, frame=frame,
        notes=["A client's costs count for the household they lived in at the time (docs/households.md)."],
        kinds={"rank": INT, "household_id": TEXT, "size": INT, "members_costed": INT, "children": TEXT,
               "ever_ta": TEXT, "services": INT, "records": INT, "cost": MONEY},
    ))


def household_breakdown(con, household_id: str, filters: ReportFilters | None = None) -> Report:
    """One household's costs in the period by member, service and service type."""
    f = filters or ReportFilters()
    household_id = str(household_id).strip()
    _check_tables(con)
    known = con.execute(
        "SELECT max_members, first_date, last_date, CAST(with_children AS BOOLEAN),"
        " CAST(ever_temporary_accommodation AS BOOLEAN), CAST(is_shared_address AS BOOLEAN)"
        " FROM marts.dim_household WHERE household_id = ?", [household_id]).fetchone()
    if known is None:
        raise ReportError(f"No household {household_id!r} in marts.dim_household.")
    period = resolve_period(con, f)
    q = _base_query(f, period)
    q.add(_ALLOCATED)
    q.add("""SELECT a.client_id, c.age_band, m.valid_from AS member_from, m.valid_to AS member_to,
       a.service, a.service_type,
       count(DISTINCT a.service_use_id) AS records,
       CAST(sum(a.days) AS BIGINT) AS days,
       sum(a.cost) AS cost
FROM allocated a
JOIN marts.fct_household_membership m ON m.household_id = a.household_id AND m.client_id = a.client_id
JOIN marts.dim_client c ON c.client_id = a.client_id
WHERE a.household_id = ?
GROUP BY ALL
ORDER BY a.client_id, a.service, a.service_type""", household_id)
    frame = _frame(con, q)
    size, first, last, children, ever_ta, shared = known
    members = con.execute("SELECT count(*) FROM marts.fct_household_membership WHERE household_id = ?",
                          [household_id]).fetchone()[0]
    notes = [f"Household {household_id}: {members} member(s), at most {size} at one time; "
             f"from {first:%d/%m/%Y} to {'now' if last is None else format(last, '%d/%m/%Y')}; "
             f"children: {'yes' if children else 'no'}; ever in temporary accommodation: "
             f"{'yes' if ever_ta else 'no'}{'; at a shared address (hostel, care home)' if shared else ''}."]
    if frame.empty:
        notes.append("No costs counted for this household in the period (with these filters).")
    return disclosure.label_individual(Report(
        name="household", title=f"Cost breakdown for household {household_id}", period_from=period[0],
        period_to=period[1], filters=f, frame=frame, notes=notes, total_label_column="client_id",
        kinds={"client_id": TEXT, "age_band": TEXT, "member_from": DATE, "member_to": DATE, "service": TEXT,
               "service_type": TEXT, "records": INT, "days": DAYS, "cost": MONEY},
    ))
