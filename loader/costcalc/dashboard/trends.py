"""Spend per service over time: by calendar month, and by financial year (1 April - 31 March).

Both are reports like those of ``costcalc.reports.queries`` (a ``Report``, costed
for the exact days, docs/contract.md §3), built from the same fixed SQL fragments
with every value a parameter. A financial year is costed as its own period (each
clipped to the report period), so its clients are distinct clients in that year.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from costcalc.reports.connection import _frame, resolve_period
from costcalc.reports.filters import ReportFilters, _base_query
from costcalc.reports.results import DATE, INT, MONEY, TEXT, Report

_SELECT = """SELECT {period} k.service,
       count(DISTINCT k.client_id) AS clients,
       sum(k.cost) AS cost
FROM costed k
GROUP BY {group}k.service
ORDER BY {group}k.service"""

KINDS = {"period_from": DATE, "period_to": DATE, "financial_year": TEXT, "service": TEXT,
         "clients": INT, "cost": MONEY}


def by_month(con, filters: ReportFilters | None = None) -> Report:
    """Cost and clients per service and calendar month of the period."""
    f = filters or ReportFilters()
    period = resolve_period(con, f)
    q = _base_query(f, period, granularity="month")
    q.add(_SELECT.format(period="k.b_from AS period_from, k.b_to AS period_to,", group="k.b_from, k.b_to, "))
    frame = _frame(con, q)
    return Report(name="trend-month", title="Spend by month", period_from=period[0], period_to=period[1],
                  filters=f, frame=frame, kinds={k: v for k, v in KINDS.items() if k in frame.columns})


def financial_years(d_from: date, d_to: date) -> list[tuple[str, date, date]]:
    """The financial years overlapping [d_from, d_to], each clipped to it: ('2023-24', from, to)."""
    out = []
    start = d_from.year if d_from.month >= 4 else d_from.year - 1
    while date(start, 4, 1) <= d_to:
        a, b = max(date(start, 4, 1), d_from), min(date(start + 1, 3, 31), d_to)
        out.append((f"{start}-{(start + 1) % 100:02d}", a, b))
        start += 1
    return out


def by_financial_year(con, filters: ReportFilters | None = None) -> Report:
    """Cost and clients per service and financial year of the period."""
    f = filters or ReportFilters()
    period = resolve_period(con, f)
    frames = []
    for label, a, b in financial_years(*period):
        q = _base_query(replace(f, date_from=a, date_to=b), (a, b))
        q.add(_SELECT.format(period="", group=""))
        frame = _frame(con, q)
        frame.insert(0, "financial_year", label)  # labels and days added here: no untyped parameter in a SELECT
        frame.insert(1, "period_from", a)
        frame.insert(2, "period_to", b)
        frames.append(frame)
    cols = ["financial_year", "period_from", "period_to", "service", "clients", "cost"]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    frame = frame[cols].sort_values(["period_from", "service"], kind="stable").reset_index(drop=True)
    frame["clients"] = frame["clients"].astype("int64")
    return Report(name="trend-financial-year", title="Spend by financial year", period_from=period[0],
                  period_to=period[1], filters=f, frame=frame, kinds=dict(KINDS))
