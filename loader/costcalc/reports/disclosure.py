"""Disclosure control on aggregate reports: small numbers suppressed (docs/disclosure.md).

An aggregate report counts people (clients) in each cell and shows figures
computed over them (records, days, costs, means, medians, shares). With a
threshold ``t`` (``disclosure.threshold`` in costcalc.yml, default 10):

1. primary suppression: a count of 1 to ``t`` - 1 people, and every figure
   computed over those people, is suppressed (a true 0 is shown: see
   docs/disclosure.md, "Zeros");
2. secondary suppression: cells that add up to a total someone can see (a
   printed total row, the "(all services)" row, the same cell of another
   report run with the same filters) form a *line*. In a line whose total is
   shown, the suppressed cells must be at least two and cover at least ``t``
   people between them (their counts summed), so that the total minus the
   visible cells reveals no single suppressed cell and no group of fewer than
   ``t`` people. Until that holds, the visible cell with the smallest count
   above 0 is suppressed too (hiding a 0 would add nobody). Lines cross (rows and columns of a two-way table), so this
   repeats until no line needs another cell.

Suppressed cells keep no value (NaN in ``Report.frame``), are listed in
``Report.suppressed`` as ``(row position, column)`` pairs, and print as
``<t`` (``Report.suppressed_label``); never as 0 or blank.

``exact=True`` skips all of this and marks the report as not for publication
(``costcalc report --exact`` logs who asked: costcalc.reports.exact_log).
Individual-level reports (one row per client) are not suppressed but labelled
(:func:`label_individual`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Iterable

import pandas as pd

#: The threshold when costcalc.yml does not set one.
DEFAULT_THRESHOLD = 10

#: The label of reports with one row per (pseudonymous) client.
INDIVIDUAL_NOTE = ("Individual-level pseudonymous data: not for publication; one row per client (or household) id, "
                   "not suppressed. Share only with people entitled to see client-level data.")
#: The label of reports run with --exact.
EXACT_NOTE = ("EXACT FIGURES, NOT FOR PUBLICATION: small numbers are not suppressed (--exact). "
              "For internal analysis only (docs/disclosure.md).")

Cell = tuple[int, str]


def configured_threshold() -> int:
    """``disclosure.threshold`` of the project's costcalc.yml (default 10)."""
    from costcalc.settings import load_settings

    return load_settings().disclosure.threshold


def suppresses(threshold: int) -> bool:
    """Whether a threshold suppresses anything: 0 and 1 switch suppression off."""
    return threshold > 1


def statement(threshold: int) -> str:
    """The rule applied, for a report's notes (one sentence)."""
    if not suppresses(threshold):
        return (f"Small numbers are not suppressed: the disclosure threshold is {threshold} in costcalc.yml "
                "(docs/disclosure.md).")
    return (f"Counts of fewer than {threshold} people, and figures computed from them, are suppressed "
            f"(shown <{threshold}); so are further cells where a total would reveal a suppressed one "
            "(docs/disclosure.md).")


@dataclass(frozen=True)
class Counted:
    """A column counting people, and the columns computed over those same people
    (suppressed with it)."""

    count: str
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Line:
    """Count cells that add up to a total someone can see. ``total`` is True when the
    total is shown, False when not, or the cell holding it (shown unless suppressed)."""

    cells: tuple[Cell, ...]
    total: bool | Cell = True


@dataclass(frozen=True)
class Rule:
    """How one aggregate report is protected: its counted columns, and the lines
    (cells adding up to a visible total) found in its frame."""

    counted: tuple[Counted, ...]
    lines: Callable[[pd.DataFrame, int], list[Line]] = lambda frame, threshold: []
    #: Whether the report's printed total row may be shown (None: always).
    total_shown: Callable[[pd.DataFrame, int], bool] | None = None


def _count(frame: pd.DataFrame, cell: Cell) -> float:
    value = frame.iat[cell[0], frame.columns.get_loc(cell[1])]
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(value) else value


def primary(frame: pd.DataFrame, counted: Iterable[Counted], threshold: int) -> set[Cell]:
    """Count cells of 1 to ``threshold`` - 1 people."""
    if not suppresses(threshold):
        return set()
    out = set()
    for c in counted:
        if c.count not in frame.columns:
            continue
        for i in range(len(frame)):
            if 0 < _count(frame, (i, c.count)) < threshold:
                out.add((i, c.count))
    return out


def secondary(frame: pd.DataFrame, lines: list[Line], suppressed: set[Cell], threshold: int) -> set[Cell]:
    """``suppressed`` grown until, in every line whose total is shown, the suppressed
    cells are none, all, or at least two covering ``threshold`` people or more."""
    if not suppresses(threshold):
        return set(suppressed)
    out = set(suppressed)
    changed = True
    while changed:
        changed = False
        for line in lines:
            shown = line.total if isinstance(line.total, bool) else line.total not in out
            if not shown:
                continue
            hidden = [c for c in line.cells if c in out]
            visible = [c for c in line.cells if c not in out and _count(frame, c) > 0]
            if not hidden or not visible:
                continue
            if len(hidden) >= 2 and sum(_count(frame, c) for c in hidden) >= threshold:
                continue
            # the smallest visible count; ties: the first in the report's order
            out.add(min(visible, key=lambda c: (_count(frame, c), c[0], c[1])))
            changed = True
    return out


def suppressed_cells(frame: pd.DataFrame, rule: Rule, threshold: int) -> set[Cell]:
    """Every suppressed cell: the count cells (primary, then secondary) and the
    figures computed over them."""
    counts = secondary(frame, rule.lines(frame, threshold), primary(frame, rule.counted, threshold), threshold)
    out = set(counts)
    for c in rule.counted:
        for i, col in counts:
            if col == c.count:
                out.update((i, f) for f in c.figures if f in frame.columns)
    return out


def _blank_cells(frame: pd.DataFrame, cells: set[Cell]) -> pd.DataFrame:
    """A copy of ``frame`` with ``cells`` holding no value (numeric columns become float, NaN)."""
    out = frame.copy()
    for col in {c for _, c in cells}:
        rows = [i for i, c in cells if c == col]
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].astype("float64")
        elif not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype(object)
        out.iloc[rows, out.columns.get_loc(col)] = float("nan")
    return out


def count_text(n: int, threshold: int, exact: bool = False) -> str:
    """A count for a sentence: ``1,234``, or ``<10`` when it would be suppressed."""
    if not exact and suppresses(threshold) and n < threshold:
        return f"<{threshold}"
    return f"{n:,}"


def protect(report, rule: Rule, *, exact: bool = False, threshold: int | None = None):
    """``report`` (costcalc.reports.results.Report) with small numbers suppressed by
    ``rule``; or, with ``exact``, unchanged but marked as not for publication."""
    t = configured_threshold() if threshold is None else int(threshold)
    if exact:
        return replace(report, exact=True, threshold=t, notes=[EXACT_NOTE, *report.notes],
                       disclosure="Exact figures (--exact): small numbers are not suppressed.")
    cells = suppressed_cells(report.frame, rule, t)
    totals = None
    if report.total_label_column:
        shown = rule.total_shown(report.frame, t) if rule.total_shown and suppresses(t) else True
        totals = {c: (report.frame[c].sum() if shown else None) for c in report.total_columns()}
    text = statement(t)
    return replace(report, frame=_blank_cells(report.frame, cells), suppressed=frozenset(cells), threshold=t,
                   disclosure=text, totals=totals, notes=[*report.notes, text])


def label_individual(report):
    """``report`` labelled as individual-level pseudonymous data (not suppressed)."""
    return replace(report, individual_level=True, notes=[INDIVIDUAL_NOTE, *report.notes])


# --------------------------------------------------------------------------- the reports' rules


#: Columns that split a report into parts (a report split by period): each part's rows
#: add up to the total the same report shows for that part alone.
PART_COLUMNS = ("period_from",)


def _whole_column(count: str) -> Callable[[pd.DataFrame, int], list[Line]]:
    """Every row's ``count`` cell, adding up to the printed total row; and, in a report
    split into parts (``PART_COLUMNS``, e.g. per period), each part's rows, which add up
    to the total of the same report run for that part."""
    def lines(frame: pd.DataFrame, threshold: int) -> list[Line]:
        out = []  # the parts first: the smallest lines choose their complements first
        for col in (c for c in PART_COLUMNS if c in frame.columns):
            for _, part in frame.groupby(col, sort=False, dropna=False):
                rows = [frame.index.get_loc(i) for i in part.index]
                shown = _max_count(part, count) >= threshold
                out.append(Line(tuple((i, count) for i in rows), total=shown))
        out.append(Line(tuple((i, count) for i in range(len(frame))), total=_max_count(frame, count) >= threshold))
        return out
    return lines


def _max_count(frame: pd.DataFrame, count: str) -> float:
    return float(frame[count].max()) if len(frame) else 0.0


#: ``report services``: a row covers its clients; the printed total row sums cost and
#: days over every row. The total is shown when some row has ``t`` clients or more (the
#: total then covers at least that many people).
SERVICES = Rule(
    counted=(Counted("clients", ("records", "days", "cost", "mean_per_client", "share_of_cost")),),
    lines=_whole_column("clients"),
    total_shown=lambda frame, t: _max_count(frame, "clients") >= t,
)


def _ta_lines(all_services: str) -> Callable[[pd.DataFrame, int], list[Line]]:
    """``report ta-comparison`` is a two-way table of user counts: service rows by the two
    groups. A group's service rows add up (in cost: mean x users) to its "(all services)"
    row; a row's two groups add up to the same row of ``report services`` run with the
    same filters (shown there when the two together have ``t`` users or more)."""
    def lines(frame: pd.DataFrame, threshold: int) -> list[Line]:
        total_rows = [i for i in range(len(frame)) if frame["service"].iat[i] == all_services]
        rows = [i for i in range(len(frame)) if i not in total_rows]
        out = []
        for col in ("ta_users", "other_users"):
            for t_row in total_rows or [None]:
                out.append(Line(tuple((i, col) for i in rows), total=(t_row, col) if t_row is not None else False))
        for i in range(len(frame)):
            both = _count(frame, (i, "ta_users")) + _count(frame, (i, "other_users"))
            out.append(Line(((i, "ta_users"), (i, "other_users")), total=both >= threshold))
        return out
    return lines


def ta_rule(all_services: str) -> Rule:
    return Rule(
        counted=(
            Counted("ta_users", ("ta_share", "ta_mean", "ta_median")),
            Counted("other_users", ("other_share", "other_mean", "other_median")),
            # a group of fewer than t clients: all its cells, zeros included
            Counted("ta_clients", ("ta_users", "ta_share", "ta_mean", "ta_median")),
            Counted("other_clients", ("other_users", "other_share", "other_mean", "other_median")),
        ),
        lines=_ta_lines(all_services),
    )


#: ``report memberships`` / ``report needs``: client counts per value, no total.
LISTING = Rule(counted=(Counted("clients"),))

#: The dashboard's trend pages (costcalc.dashboard.trends): clients and cost per service
#: in each month or financial year. Each period's rows add up to that period's spend,
#: which ``report services`` run for the period shows: protected like it, per period.
TRENDS = Rule(
    counted=(Counted("clients", ("cost",)),),
    lines=_whole_column("clients"),
)
