"""The chart that fits each report, as data: one :class:`Chart` drives both the
Excel chart and the page's SVG, so the two always show the same numbers.

- spend by service: bars of cost per service and service type;
- top clients: bars of cost per client;
- the TA comparison: grouped bars, mean cost per user, TA clients against all others;
- one client split by month or year: a line of cost per period (by service when
  the period is whole: bars);
- a report over time (a ``period_from`` column and a ``cost``): a line per service;
- any other report: bars of its first amount (or count) by its first text column.

A suppressed cell (``cells.suppressed_cells``) gives no point: the bar or point is
left out, never drawn as 0; an aggregate that would include one is left out too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from costcalc.reports.render.cells import NUMERIC_KINDS, suppressed_cells
from costcalc.reports.results import DATE, INT, MONEY, SHARE, TEXT, Report, _plain

#: At most this many bars (the biggest); the table below the chart has every row.
MAX_BARS = 25


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # None: no point (suppressed or absent)


@dataclass(frozen=True)
class Chart:
    kind: str  # "bar" (horizontal bars, grouped when several series) or "line"
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_kind: str = MONEY  # how values are formatted (money, int, share)
    value_title: str = "Cost (£)"

    def has_points(self) -> bool:
        return any(v is not None for s in self.series for v in s.values)


def _num(value) -> float | None:
    value = _plain(value)
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _label(*parts) -> str:
    return ": ".join(str(p) for p in parts if p not in (None, ""))


def _values(report: Report, column: str) -> list[float | None]:
    hidden = suppressed_cells(report)
    return [None if (i, column) in hidden else _num(v) for i, v in enumerate(report.frame[column].tolist())]


def _biggest(categories: list[str], values: list[float | None], limit: int = MAX_BARS):
    pairs = sorted(zip(categories, values), key=lambda p: -(p[1] if p[1] is not None else -math.inf))[:limit]
    return [c for c, _ in pairs], [v for _, v in pairs]


def _services(report: Report) -> Chart:
    f = report.frame
    one = f["service"].nunique() == 1  # one service (its own page): the type says it all
    cats = [_label(None if one else s, t) for s, t in zip(f["service"].tolist(), f["service_type"].tolist())]
    cats, vals = _biggest(cats, _values(report, "cost"))
    return Chart("bar", "Cost by service and service type", tuple(cats), (Series("Cost", tuple(vals)),))


def _top_clients(report: Report) -> Chart:
    cats = [str(c) for c in report.frame["client_id"].tolist()]
    cats, vals = _biggest(cats, _values(report, "cost"))
    return Chart("bar", "Cost per client", tuple(cats), (Series("Cost", tuple(vals)),))


def _ta_comparison(report: Report) -> Chart:
    from costcalc.reports.queries import ALL_SERVICES

    f = report.frame
    keep = [i for i, s in enumerate(f["service"].tolist()) if s != ALL_SERVICES][:MAX_BARS]
    cats = [_label(f["service"].iloc[i], f["service_type"].iloc[i]) for i in keep]
    ta, other = _values(report, "ta_mean"), _values(report, "other_mean")
    return Chart("bar", "Mean cost per user: clients ever in temporary accommodation and all others",
                 tuple(cats), (Series("Ever in TA", tuple(ta[i] for i in keep)),
                               Series("All others", tuple(other[i] for i in keep))))


def _over_time(report: Report, title: str) -> Chart:
    """A line per service (or one line) of cost per period; a period with a suppressed
    contribution has no point."""
    f = report.frame
    periods = sorted({_plain(p) for p in f["period_from"].tolist()})
    group_col = "service" if "service" in f.columns and report.name != "client" else None
    groups = sorted({str(g) for g in f[group_col].tolist()}) if group_col else ["Cost"]
    cost = _values(report, "cost")
    sums: dict[tuple[str, object], float | None] = {}
    for i, p in enumerate(f["period_from"].tolist()):
        key = (str(f[group_col].iloc[i]) if group_col else "Cost", _plain(p))
        if key in sums and sums[key] is None:
            continue
        sums[key] = None if cost[i] is None else (sums.get(key) or 0.0) + cost[i]
    labels: dict = {}
    for col in ("period", "financial_year"):  # a report's own names for its periods ("2024-25", "Q1 2024")
        if col in f.columns:
            for p, label in zip(f["period_from"].tolist(), f[col].tolist()):
                labels.setdefault(_plain(p), str(label))
    cats = tuple(labels.get(p) or _period_label(p, periods) for p in periods)
    # a service with no row in a period spent nothing then (0); a withheld sum stays None (a gap)
    series = tuple(Series(g, tuple(sums.get((g, p), 0.0) for p in periods)) for g in groups)
    return Chart("line", title, cats, series)


def _period_label(p, periods) -> str:
    """``Mar 2024`` for months, ``2024`` for years (periods more than a month apart), the day
    for a single period."""
    if not hasattr(p, "strftime"):
        return str(p)
    if len(periods) == 1:
        return f"{p:%d/%m/%Y}"
    gaps = [(b - a).days for a, b in zip(periods, periods[1:]) if hasattr(a, "toordinal")]
    return f"{p:%Y}" if gaps and max(gaps) > 40 else f"{p:%b %Y}"


def _client(report: Report) -> Chart:
    f = report.frame
    if not f.empty and f["period_from"].nunique() > 1:
        return _over_time(report, "Cost per period")
    cats = [_label(s, t) for s, t in zip(f["service"].tolist(), f["service_type"].tolist())]
    cats, vals = _biggest(cats, _values(report, "cost"))
    return Chart("bar", "Cost by service and service type", tuple(cats), (Series("Cost", tuple(vals)),))


def _generic(report: Report) -> Chart | None:
    cols = list(report.frame.columns)
    if "period_from" in cols and "cost" in cols and report.frame["period_from"].nunique() > 1:
        return _over_time(report, "Cost over time")
    text = [c for c in cols if report.kinds.get(c, TEXT) == TEXT and c not in ("period", "financial_year")]
    value = next((c for c in cols if report.kinds.get(c) == MONEY), None) \
        or next((c for c in cols if report.kinds.get(c) in NUMERIC_KINDS and c != "rank"), None)
    if not text or value is None:
        return None
    cats = [_label(*(r[c] for c in text[:2])) for r in report.rows]
    cats, vals = _biggest(cats, _values(report, value))
    kind = report.kinds.get(value, INT)
    return Chart("bar", f"{value.replace('_', ' ').capitalize()} by {text[0].replace('_', ' ')}", tuple(cats),
                 (Series(value.replace("_", " ").capitalize(), tuple(vals)),), value_kind=kind,
                 value_title="Cost (£)" if kind == MONEY else ("Share" if kind == SHARE else "Count"))


def _by_financial_year(report: Report) -> Chart:
    """Grouped bars: one group per financial year, one bar per service."""
    f = report.frame
    years = list(dict.fromkeys(str(y) for y in f["financial_year"].tolist()))
    services = sorted({str(s) for s in f["service"].tolist()})
    cost = _values(report, "cost")
    at = {(str(f["financial_year"].iloc[i]), str(f["service"].iloc[i])): cost[i] for i in range(len(f))}
    return Chart("bar", "Cost by financial year and service", tuple(years),
                 tuple(Series(s, tuple(at.get((y, s)) for y in years)) for s in services))


_BY_NAME = {"services": _services, "top-clients": _top_clients, "ta-comparison": _ta_comparison, "client": _client,
            "trend-financial-year": _by_financial_year}


def chart_for(report: Report) -> Chart | None:
    """The chart that fits ``report`` (None: nothing to chart, e.g. no rows)."""
    if report.frame.empty:
        return None
    cols = set(report.frame.columns)
    build = _BY_NAME.get(report.name)
    if build is None or (report.name == "services" and "period_from" in cols):
        build = _generic
    chart = build(report)
    return chart if chart is not None and chart.has_points() else None


__all__ = ["Chart", "DATE", "MAX_BARS", "Series", "chart_for"]
