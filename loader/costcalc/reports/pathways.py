"""``costcalc report pathways``: what clients (or households) used, and what it cost, in
the 12 or 24 months before their first temporary accommodation placement, beside a
comparison group never in TA matched on entry month, age band and household type
(docs/pathways.md).

It reads the pathways marts (``marts.fct_pathways_cohort``: who is in each group,
with the comparison weights; ``marts.fct_pathways_before_ta``: what each used in
the window) and aggregates them as ``rpt_pathways_into_ta`` does, for the entry
months and strata the filters choose. Every filter is on the matching strata (entry
month, age band, household type) or on the rows (services), so the weights stay
valid. Every value a user types is a ``?`` parameter of a fixed fragment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
import pandas as pd

from costcalc.reports import disclosure
from costcalc.reports.connection import _frame
from costcalc.reports.errors import ReportError
from costcalc.reports.filters import ReportFilters, _Query, _text_key
from costcalc.reports.results import INT, MONEY, SHARE, TEXT, Report

#: The marts this report reads.
PATHWAYS_TABLES = ("fct_pathways_cohort", "fct_pathways_before_ta")
LEVELS = ("client", "household")
WINDOWS = (12, 24)
ENTRANTS, COMPARISON = "TA entrants", "Comparison"
ALL_SERVICES = "(all services)"
#: The household types of the strata (macros/pathways/pathways_household_type.sql).
HOUSEHOLD_TYPES = ("With children", "One person", "Adults, no children", "No household known")
#: The report's two groups: column prefix -> cohort_group.
GROUPS = {"entrants": ENTRANTS, "comparison": COMPARISON}
FIGURES = ("users", "share", "mean_per_person", "mean_per_user", "median_per_user")
COLUMNS = ("people",) + FIGURES


@dataclass(frozen=True)
class PathwaysFilters(ReportFilters):
    """The report filters, plus the pathways' own: the window, the level, and strata.
    ``date_from`` / ``date_to`` choose entry months (those overlapping the period)."""

    window: int = 12
    level: str = "client"
    age_bands: tuple[str, ...] = ()
    household_types: tuple[str, ...] = ()

    def describe(self) -> dict:
        out = super().describe()
        out["window"] = self.window  # always said: the figures mean nothing without it
        out["level"] = self.level
        return out


#: The filters the pathways report applies (each keeps the comparison weights valid).
_PATHWAYS_FILTERS = frozenset({"window", "level", "age_bands", "household_types", "services", "exclude_services",
                               "service_types", "exclude_service_types"})


# Fixed fragments on marts.fct_pathways_cohort aliased c.
_COHORT = """WITH p AS (SELECT CAST(? AS DATE) AS d_from, CAST(? AS DATE) AS d_to),
cohort AS (
  SELECT c.cohort_group, c.reference_month, c.unit_id, CAST(c.weight AS DOUBLE) AS weight,
         c.stratum_entrants, c.stratum_comparison
  FROM marts.fct_pathways_cohort c, p
  WHERE c.level = ? AND c.window_months = ? AND coalesce(CAST(c.is_window_complete AS BOOLEAN), false) = ?
    AND c.reference_month >= p.d_from AND c.reference_month <= p.d_to"""
_AGE_BAND = "    AND list_contains(CAST(? AS VARCHAR[]), lower(trim(c.age_band)))"
_HOUSEHOLD_TYPE = "    AND list_contains(CAST(? AS VARCHAR[]), lower(trim(c.household_type)))"
# Fixed fragments on marts.fct_pathways_before_ta aliased b.
_USES = """), uses AS (
  SELECT b.cohort_group, b.reference_month, b.unit_id, b.service, b.service_type,
         CAST(b.cost AS DOUBLE) AS cost, k.weight
  FROM marts.fct_pathways_before_ta b
  JOIN cohort k ON k.reference_month = b.reference_month AND k.unit_id = b.unit_id
  WHERE b.level = ? AND b.window_months = ?"""
_SERVICE = "    AND list_contains(CAST(? AS VARCHAR[]), lower(trim(b.service)))"
_NOT_SERVICE = "    AND NOT coalesce(list_contains(CAST(? AS VARCHAR[]), lower(trim(b.service))), false)"
_SERVICE_TYPE = "    AND list_contains(CAST(? AS VARCHAR[]), lower(trim(b.service_type)))"
_NOT_SERVICE_TYPE = "    AND NOT coalesce(list_contains(CAST(? AS VARCHAR[]), lower(trim(b.service_type))), false)"
# The figures: per group and service row ("(all services)": each unit's uses summed),
# weighted as rpt_pathways_into_ta (mean per person over the group's weight, median
# per user the weighted median: where the cumulative weight in order of cost reaches
# half, the mean of two values when it reaches exactly half).
_FIGURES = """), rows_in AS (
  SELECT cohort_group, service, service_type, 0 AS is_all, reference_month, unit_id, weight, cost FROM uses
  UNION ALL
  SELECT cohort_group, ? AS service, NULL AS service_type, 1 AS is_all, reference_month, unit_id, weight,
         sum(cost) AS cost
  FROM uses GROUP BY cohort_group, reference_month, unit_id, weight
), groups AS (
  SELECT cohort_group, count(DISTINCT unit_id) AS people, sum(weight) AS group_weight FROM cohort
  GROUP BY cohort_group
), per_row AS (
  SELECT cohort_group, service, service_type, is_all, count(DISTINCT unit_id) AS users,
         sum(weight) AS user_weight, sum(weight * cost) AS weighted_cost
  FROM rows_in GROUP BY cohort_group, service, service_type, is_all
), running AS (
  SELECT cohort_group, service, service_type, cost,
         sum(weight) OVER (PARTITION BY cohort_group, service, service_type ORDER BY cost, reference_month, unit_id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_weight,
         coalesce(sum(weight) OVER (PARTITION BY cohort_group, service, service_type
                                    ORDER BY cost, reference_month, unit_id
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS weight_before,
         sum(weight) OVER (PARTITION BY cohort_group, service, service_type) / 2.0 AS half_weight,
         sum(weight) OVER (PARTITION BY cohort_group, service, service_type) * 1e-9 AS tolerance
  FROM rows_in
), medians AS (
  SELECT cohort_group, service, service_type, avg(cost) AS median_value FROM running
  WHERE (weight_before < half_weight - tolerance AND cum_weight >= half_weight - tolerance)
     OR (weight_before <= half_weight + tolerance AND cum_weight > half_weight + tolerance)
  GROUP BY cohort_group, service, service_type
)
SELECT r.cohort_group, r.service, r.service_type, r.is_all, g.people, r.users,
       r.user_weight / g.group_weight AS share,
       r.weighted_cost / g.group_weight AS mean_per_person,
       r.weighted_cost / r.user_weight AS mean_per_user,
       m.median_value AS median_per_user
FROM per_row r
JOIN groups g ON g.cohort_group = r.cohort_group
LEFT JOIN medians m ON m.cohort_group = r.cohort_group AND m.service = r.service
  AND (m.service_type = r.service_type OR (m.service_type IS NULL AND r.service_type IS NULL))"""
_GROUP_COUNTS = """), counts AS (
  SELECT cohort_group, count(DISTINCT unit_id) AS people, sum(weight) AS group_weight,
         count(DISTINCT CASE WHEN stratum_comparison = 0 THEN unit_id END) AS unmatched
  FROM cohort GROUP BY cohort_group
)
SELECT cohort_group, people, group_weight, unmatched FROM counts"""
_TRUNCATED = """SELECT count(DISTINCT c.unit_id) FROM marts.fct_pathways_cohort c
WHERE c.level = ? AND c.window_months = ? AND c.cohort_group = ?
  AND coalesce(CAST(c.is_window_complete AS BOOLEAN), false) = ?
  AND c.reference_month >= ? AND c.reference_month <= ?"""


def _check(con, f: PathwaysFilters) -> None:
    have = {t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", ["marts"]).fetchall()}
    missing = [f"marts.{t}" for t in PATHWAYS_TABLES if t not in have]
    if missing:
        raise ReportError(f"The warehouse has no {', '.join(missing)}: run `costcalc build` first.")
    if f.level not in LEVELS:
        raise ReportError(f"--level must be one of {', '.join(LEVELS)}, not {f.level!r}")
    if f.window not in WINDOWS:
        raise ReportError(f"--window must be one of {', '.join(map(str, WINDOWS))}, not {f.window!r}")
    ignored = sorted(k for k in f.describe() if k not in _PATHWAYS_FILTERS)
    if ignored:
        raise ReportError(f"The pathways report does not take {', '.join(ignored)} (docs/pathways.md).")
    if f.level == "household" and f.age_bands:
        raise ReportError("--age-band applies to --level client only (households are matched on household type).")
    unknown = [t for t in f.household_types if _text_key(t) not in {_text_key(h) for h in HOUSEHOLD_TYPES}]
    if unknown:
        raise ReportError(f"Unknown household type {unknown[0]!r}: use one of {', '.join(HOUSEHOLD_TYPES)}.")


def _period(con, f: PathwaysFilters) -> tuple[date, date]:
    """The entry months reported: those overlapping --from/--to; by default every one."""
    lo, hi = con.execute(
        "SELECT min(reference_month), max(reference_month) FROM marts.fct_pathways_cohort"
        " WHERE level = ? AND window_months = ?", [f.level, int(f.window)]).fetchone()
    lo, hi = _day(lo), _day(hi)
    d_from = f.date_from or lo or date.today()
    d_to = f.date_to or (_month_end(hi) if hi else d_from)
    if d_from > d_to:
        raise ReportError(f"The period starts ({d_from:%d/%m/%Y}) after it ends ({d_to:%d/%m/%Y}).")
    return d_from, d_to


def _day(value):
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def _cohort_query(f: PathwaysFilters, period: tuple[date, date]) -> _Query:
    q = _Query()
    first_month = date(period[0].year, period[0].month, 1)  # entry months overlapping the period
    q.add(_COHORT, first_month, period[1], f.level, int(f.window), True)
    if f.age_bands:
        q.add(_AGE_BAND, [_text_key(v) for v in f.age_bands])
    if f.household_types:
        q.add(_HOUSEHOLD_TYPE, [_text_key(v) for v in f.household_types])
    return q


def _figures(con, f: PathwaysFilters, period: tuple[date, date]) -> pd.DataFrame:
    q = _cohort_query(f, period)
    q.add(_USES, f.level, int(f.window))
    if f.services:
        q.add(_SERVICE, [_text_key(v) for v in f.services])
    if f.exclude_services:
        q.add(_NOT_SERVICE, [_text_key(v) for v in f.exclude_services])
    if f.service_types:
        q.add(_SERVICE_TYPE, [_text_key(v) for v in f.service_types])
    if f.exclude_service_types:
        q.add(_NOT_SERVICE_TYPE, [_text_key(v) for v in f.exclude_service_types])
    q.add(_FIGURES, ALL_SERVICES)
    return _frame(con, q)


def _group_counts(con, f: PathwaysFilters, period: tuple[date, date]) -> dict[str, tuple[int, float, int]]:
    q = _cohort_query(f, period).add(_GROUP_COUNTS)
    return {g: (int(n), float(w or 0), int(u)) for g, n, w, u in con.execute(q.text(), q.params).fetchall()}


def _wide(long: pd.DataFrame, counts: dict) -> pd.DataFrame:
    """One row per service row, the two groups side by side; a service a group never
    used shows 0 users, share and mean (and no mean or median per user)."""
    keys = long[["service", "service_type", "is_all"]].drop_duplicates()
    keys = keys.sort_values(["is_all", "service", "service_type"], na_position="first", kind="stable")
    rows = []
    for _, k in keys.iterrows():
        row = {"service": k["service"], "service_type": None if pd.isna(k["service_type"]) else k["service_type"]}
        for prefix, group in GROUPS.items():
            row[f"{prefix}_people"] = counts.get(group, (0,))[0]
            hit = long[(long["cohort_group"] == group) & (long["service"] == k["service"])
                       & ((long["service_type"] == k["service_type"])
                          | (long["service_type"].isna() & pd.isna(k["service_type"])))]
            present = group in counts and counts[group][0] > 0
            if len(hit):
                h = hit.iloc[0]
                row.update({f"{prefix}_{c}": h[c] for c in FIGURES})
            else:
                zero = 0 if present else None
                row.update({f"{prefix}_users": zero, f"{prefix}_share": zero, f"{prefix}_mean_per_person": zero,
                            f"{prefix}_mean_per_user": None, f"{prefix}_median_per_user": None})
        rows.append(row)
    columns = ["service", "service_type"] + [f"{p}_{c}" for p in GROUPS for c in COLUMNS]
    frame = pd.DataFrame(rows, columns=columns)
    for p in GROUPS:  # whole numbers, unless a group is empty (no value)
        for c in (f"{p}_people", f"{p}_users"):
            frame[c] = frame[c].astype("int64" if frame[c].notna().all() else "float64")
    return frame


def _notes(f: PathwaysFilters, counts: dict, truncated: int, t: int, exact: bool) -> list[str]:
    unit = "clients" if f.level == "client" else "households"
    n_ent, _, unmatched = counts.get(ENTRANTS, (0, 0.0, 0))
    n_cmp, _, _ = counts.get(COMPARISON, (0, 0.0, 0))
    text = lambda n: disclosure.count_text(n, t, exact)  # noqa: E731
    notes = [
        f"{text(n_ent)} {unit} entered temporary accommodation for the first time in the entry months of the "
        f"period, with all {f.window} months before their entry month in the data; the figures are for those "
        f"{f.window} calendar months.",
        f"Comparison: {text(n_cmp)} {unit} never in temporary accommodation, "
        + ("with a live record in the entry month, matched on entry month, age band and household type"
           if f.level == "client" else
           "with a member in the entry month, matched on entry month and household type")
        + "; weighted so that each stratum counts as many as its entrants (docs/pathways.md).",
    ]
    if unmatched:
        notes.append(f"{text(unmatched)} entrants had no comparison {unit[:-1]} in their stratum: they are in the "
                     "entrants' figures only.")
    if truncated:
        notes.append(f"{text(truncated)} {unit} whose first placement is in the period are left out: the "
                     f"{f.window} months before it begin before the data.")
    notes.append("Share and mean per person are over the whole group (non-users count 0); mean and median per "
                 "user over those who used it. Comparison figures are weighted.")
    return notes


def _lines(frame: pd.DataFrame, threshold: int) -> list:
    """Each group's service rows add up (mean per person) to its "(all services)" row."""
    total = [i for i in range(len(frame)) if frame["service"].iat[i] == ALL_SERVICES]
    rows = [i for i in range(len(frame)) if i not in total]
    out = []
    for prefix in GROUPS:
        col = f"{prefix}_users"
        for t_row in total or [None]:
            out.append(disclosure.Line(tuple((i, col) for i in rows),
                                       total=(t_row, col) if t_row is not None else False))
    return out


def _rule() -> disclosure.Rule:
    """Users per group, with that group's figures; a group of fewer than the threshold
    units (its ``_people``) has every cell suppressed, zeros too."""
    counted = [disclosure.Counted(f"{p}_users", tuple(f"{p}_{c}" for c in FIGURES[1:])) for p in GROUPS]
    counted += [disclosure.Counted(f"{p}_people", tuple(f"{p}_{c}" for c in FIGURES)) for p in GROUPS]
    return disclosure.Rule(counted=tuple(counted), lines=_lines)


def pathways(con, filters: PathwaysFilters | None = None, *, exact: bool = False) -> Report:
    """What TA entrants used, and what it cost, in the window before their first placement,
    beside the matched comparison group (docs/pathways.md); small numbers suppressed unless
    ``exact``."""
    f = filters or PathwaysFilters()
    _check(con, f)
    period = _period(con, f)
    counts = _group_counts(con, f, period)
    first_month = date(period[0].year, period[0].month, 1)
    truncated = con.execute(_TRUNCATED, [f.level, int(f.window), ENTRANTS, False, first_month,
                                         period[1]]).fetchone()[0]
    frame = _wide(_figures(con, f, period), counts)
    t = disclosure.configured_threshold()
    unit = "clients" if f.level == "client" else "households"
    kinds = {"service": TEXT, "service_type": TEXT}
    for p in GROUPS:
        kinds.update({f"{p}_people": INT, f"{p}_users": INT, f"{p}_share": SHARE, f"{p}_mean_per_person": MONEY,
                      f"{p}_mean_per_user": MONEY, f"{p}_median_per_user": MONEY})
    report = Report(
        name="pathways",
        title=f"Pathways into temporary accommodation: {unit}, the {f.window} months before first entry",
        period_from=period[0], period_to=period[1], filters=f, frame=frame,
        notes=_notes(f, counts, int(truncated or 0), t, exact), kinds=kinds)
    return disclosure.protect(report, _rule(), exact=exact, threshold=t)
