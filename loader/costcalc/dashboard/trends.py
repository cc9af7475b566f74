"""Spend per service over time: by calendar month, and by financial year (1 April - 31 March).

Both are reports like those of ``costcalc.reports.queries`` (a ``Report``, costed
for the exact days, docs/contract.md §3), built from the same fixed SQL fragments
with every value a parameter. Each month (each financial year) is costed as a
period of its own, clipped to the report period, so its clients are the distinct
clients in it and the periods add up to the whole.

On DuckDB the months come from one query (the reports' month buckets); on a
server engine each month is its own query, because that bucket fragment
(``generate_series`` inside ``unnest``) does not translate to PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd

from costcalc.reports import disclosure
from costcalc.reports.connection import _frame, resolve_period
from costcalc.reports.filters import ReportFilters, _base_query
from costcalc.reports.results import DATE, INT, MONEY, TEXT, Report

_SELECT = """SELECT {period} k.service,
       count(DISTINCT k.client_id) AS clients,
       sum(k.cost) AS cost
FROM costed k
GROUP BY {group}k.service
ORDER BY {group}k.service"""

KINDS = {"financial_year": TEXT, "period_from": DATE, "period_to": DATE, "service": TEXT,
         "clients": INT, "cost": MONEY}
MONTH_COLUMNS = ["period_from", "period_to", "service", "clients", "cost"]
YEAR_COLUMNS = ["financial_year", *MONTH_COLUMNS]


def months(d_from: date, d_to: date) -> list[tuple[str, date, date]]:
    """The calendar months overlapping [d_from, d_to], each clipped to it: ('2024-02', from, to)."""
    out, first = [], d_from.replace(day=1)
    while first <= d_to:
        nxt = (first + timedelta(days=32)).replace(day=1)
        out.append((f"{first:%Y-%m}", max(first, d_from), min(nxt - timedelta(days=1), d_to)))
        first = nxt
    return out


def financial_years(d_from: date, d_to: date) -> list[tuple[str, date, date]]:
    """The financial years overlapping [d_from, d_to], each clipped to it: ('2023-24', from, to)."""
    out = []
    start = d_from.year if d_from.month >= 4 else d_from.year - 1
    while date(start, 4, 1) <= d_to:
        a, b = max(date(start, 4, 1), d_from), min(date(start + 1, 3, 31), d_to)
        out.append((f"{start}-{(start + 1) % 100:02d}", a, b))
        start += 1
    return out


def _per_period(con, f: ReportFilters, periods: list[tuple[str, date, date]]) -> pd.DataFrame:
    """Cost and clients per service in each period (one query each)."""
    frames = []
    for label, a, b in periods:
        q = _base_query(replace(f, date_from=a, date_to=b), (a, b))
        q.add(_SELECT.format(period="", group=""))
        frame = _frame(con, q)
        frame.insert(0, "financial_year", label)  # added here: no untyped parameter in a SELECT
        frame.insert(1, "period_from", a)
        frame.insert(2, "period_to", b)
        frames.append(frame)
    frames = [fr for fr in frames if not fr.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "clients" else object) for c in YEAR_COLUMNS})
    out = pd.concat(frames, ignore_index=True)[YEAR_COLUMNS]
    out["clients"] = out["clients"].astype("int64")
    return out.sort_values(["period_from", "service"], kind="stable").reset_index(drop=True)


def _report(name: str, title: str, f: ReportFilters, period, frame: pd.DataFrame) -> Report:
    """The trend as a Report, small numbers suppressed (docs/disclosure.md): the dashboard
    is for publication, so there is no exact variant."""
    return disclosure.protect(Report(name=name, title=title, period_from=period[0], period_to=period[1], filters=f,
                                     frame=frame, kinds={k: v for k, v in KINDS.items() if k in frame.columns}),
                              disclosure.TRENDS)


def by_month(con, filters: ReportFilters | None = None) -> Report:
    """Cost and clients per service and calendar month of the period."""
    f = filters or ReportFilters()
    period = resolve_period(con, f)
    if getattr(con, "dialect", "duckdb") != "duckdb":  # a server engine's connection
        frame = _per_period(con, f, months(*period))[MONTH_COLUMNS]
    else:
        q = _base_query(f, period, granularity="month")
        q.add(_SELECT.format(period="k.b_from AS period_from, k.b_to AS period_to,", group="k.b_from, k.b_to, "))
        frame = _frame(con, q)
    return _report("trend-month", "Spend by month", f, period, frame)


def by_financial_year(con, filters: ReportFilters | None = None) -> Report:
    """Cost and clients per service and financial year of the period."""
    f = filters or ReportFilters()
    period = resolve_period(con, f)
    return _report("trend-financial-year", "Spend by financial year", f, period,
                   _per_period(con, f, financial_years(*period)))


def for_service(report: Report, service: str) -> Report:
    """The rows of one service of a trend report (its suppressed cells carried over)."""
    keep = [i for i, s in enumerate(report.frame["service"].tolist()) if str(s) == service]
    frame = report.frame.iloc[keep].reset_index(drop=True)
    out = replace(report, frame=frame, title=f"{report.title}: {service}",
                  filters=replace(report.filters, services=(service,)))
    hidden = getattr(report, "suppressed", None)
    if hidden:
        new_index = {old: new for new, old in enumerate(keep)}
        out.suppressed = {(new_index[i], c) for i, c in hidden if i in new_index}
    for attr in ("disclosure", "suppression_threshold", "threshold"):
        if hasattr(report, attr) and not hasattr(out, attr):
            setattr(out, attr, getattr(report, attr))
    return out
