"""``costcalc report services --by supplier``: the same service bought from different
suppliers (2017 report §5.5.3, commissioning; docs/reports.md "Suppliers").

One row per service, service type and supplier (``marts.fct_service_use.supplier``):
clients, records, days, cost, cost per client, cost per week (over the records priced
per day, week, month or year: a one-off or a per-financial-year charge has no weekly
rate) and the supplier's share of the service type's cost. Records whose file names no
supplier form one row, :data:`NOT_GIVEN`, so the rows add up to ``report services``.

Small numbers (costcalc.reports.disclosure): a supplier with fewer clients than the
disclosure threshold in a service type is not named: its records join one row,
:data:`SMALL_SUPPLIERS`, per service type (a sole trader or a carer working alone is a
person: docs/privacy.md "Suppliers"); then every row is protected as ``report services``
is, and each service type's rows add up to its row there. ``--exact`` names every
supplier and suppresses nothing (logged; not for publication).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from costcalc.reports import disclosure
from costcalc.reports.connection import _frame, resolve_period
from costcalc.reports.filters import ReportFilters, _base_query
from costcalc.reports.results import DAYS, INT, MONEY, SHARE, TEXT, Report

#: The row of the records whose file names no supplier.
NOT_GIVEN = "(supplier not given)"
#: The row of the suppliers each with fewer clients than the threshold (per service type).
SMALL_SUPPLIERS = "(suppliers of fewer than {t} clients each)"

_SQL = """, supplied AS (
  SELECT k.service, k.service_type, coalesce(s.supplier, ?) AS supplier,
         CASE WHEN s.supplier IS NULL THEN 1 ELSE 0 END AS not_given,
         k.client_id, k.service_use_id, k.days, k.cost,
         CASE WHEN s.cost_per_day IS NOT NULL THEN 1 ELSE 0 END AS per_day
  FROM costed k JOIN marts.fct_service_use s ON s.service_use_id = k.service_use_id
), sizes AS (
  SELECT service, service_type, supplier, count(DISTINCT client_id) AS n
  FROM supplied GROUP BY service, service_type, supplier
), shown AS (
  SELECT d.service, d.service_type, d.client_id, d.service_use_id, d.days, d.cost, d.per_day,
         CASE WHEN d.not_given = 1 OR z.n >= ? THEN d.supplier ELSE ? END AS supplier
  FROM supplied d JOIN sizes z
    ON z.service = d.service AND z.service_type IS NOT DISTINCT FROM d.service_type AND z.supplier = d.supplier
)
SELECT service, service_type, supplier,
       count(DISTINCT client_id) AS clients,
       count(DISTINCT service_use_id) AS records,
       CAST(sum(days) AS BIGINT) AS days,
       sum(cost) AS cost,
       sum(cost) / count(DISTINCT client_id) AS cost_per_client,
       7 * sum(CASE WHEN per_day = 1 THEN cost END) / nullif(sum(CASE WHEN per_day = 1 THEN days END), 0)
         AS cost_per_week,
       sum(cost) / nullif(sum(sum(cost)) OVER (PARTITION BY service, service_type), 0) AS share_of_type_cost
FROM shown
GROUP BY service, service_type, supplier
ORDER BY service, service_type, CASE WHEN supplier IN (?, ?) THEN 1 ELSE 0 END, cost DESC, supplier"""


def _type_lines(frame: pd.DataFrame, threshold: int) -> list[disclosure.Line]:
    """Each service type's supplier rows add up to that type's row of ``report services``
    (run with the same filters): a line whose total is taken as shown."""
    out = []
    for _, rows in frame.groupby(["service", "service_type"], sort=False, dropna=False):
        cells = tuple((frame.index.get_loc(i), "clients") for i in rows.index)
        out.append(disclosure.Line(cells, total=True))
    return out


#: The rule of ``report services --by supplier``: ``report services``'s, plus a line per service type.
SUPPLIERS = disclosure.Rule(
    counted=(disclosure.Counted("clients", ("records", "days", "cost", "cost_per_client", "cost_per_week",
                                            "share_of_type_cost")),),
    lines=lambda frame, t: _type_lines(frame, t) + disclosure.SERVICES.lines(frame, t),
    total_shown=disclosure.SERVICES.total_shown,
)

KINDS = {"service": TEXT, "service_type": TEXT, "supplier": TEXT, "clients": INT, "records": INT, "days": DAYS,
         "cost": MONEY, "cost_per_client": MONEY, "cost_per_week": MONEY, "share_of_type_cost": SHARE}


def services_by_supplier(con: duckdb.DuckDBPyConnection, filters: ReportFilters | None = None, *,
                         exact: bool = False) -> Report:
    """Spend by service, service type and supplier in the period (module docstring)."""
    f = filters or ReportFilters()
    period = resolve_period(con, f)
    t = disclosure.configured_threshold()
    named_from = 0 if exact else t  # with --exact every supplier is named
    small = SMALL_SUPPLIERS.format(t=t)
    q = _base_query(f, period)
    q.add(_SQL, NOT_GIVEN, named_from, small, NOT_GIVEN, small)
    frame = _frame(con, q)
    notes = ["Cost per week is over the records priced per day, week, month or year (7 x their cost / their days); "
             "days count both the first and the last day of each record in the period."]
    if not exact and disclosure.suppresses(t):
        notes.append(f"Suppliers with fewer than {t} clients in a service type are not named: "
                     f"their records are in the row {small!r} (docs/privacy.md).")
    return disclosure.protect(Report(
        name="services-by-supplier", title="Spend by service, service type and supplier",
        period_from=period[0], period_to=period[1], filters=f, frame=frame, notes=notes,
        total_label_column="service", kinds=dict(KINDS),
    ), SUPPLIERS, exact=exact, threshold=t)
