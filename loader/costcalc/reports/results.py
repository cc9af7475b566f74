"""What a report returns: its rows and what they cover, and the errors reports raise."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from costcalc.reports.filters import ReportFilters

#: Column kinds, for display (``format_report``).
TEXT, INT, MONEY, SHARE, DATE, DAYS = "text", "int", "money", "share", "date", "days"


@dataclass
class Report:
    """A report's rows plus what they cover. ``frame`` holds unrounded costs."""

    name: str
    title: str
    period_from: date
    period_to: date
    filters: ReportFilters
    frame: pd.DataFrame
    kinds: dict[str, str]
    notes: list[str] = field(default_factory=list)
    total_label_column: str | None = None  # where a printed total row puts "Total"
    # Disclosure control (costcalc.reports.disclosure, docs/disclosure.md). A suppressed
    # cell holds no value in ``frame`` (NaN) and is listed in ``suppressed`` as
    # (row position, column); writers show ``suppressed_label`` ("<10") there.
    suppressed: frozenset = frozenset()
    threshold: int | None = None        # the threshold applied (None: no rule applied)
    disclosure: str | None = None       # the rule applied, one sentence (also in ``notes``)
    exact: bool = False                 # --exact: not suppressed, not for publication
    individual_level: bool = False      # one row per client: pseudonymous, not for publication
    #: The printed total row's values (column -> value, None when suppressed); None:
    #: writers sum ``frame`` themselves (a report without suppression).
    totals: dict | None = None

    @property
    def rows(self) -> list[dict]:
        return [{k: _plain(v) for k, v in r.items()} for r in self.frame.to_dict(orient="records")]

    def total_columns(self) -> list[str]:
        """The columns a printed total row sums (cost and day counts)."""
        if not self.total_label_column:
            return []
        return [c for c in self.frame.columns if c == "cost" or self.kinds.get(c) == DAYS]

    def is_suppressed(self, row: int, column: str) -> bool:
        return (row, column) in self.suppressed

    @property
    def suppressed_label(self) -> str:
        """What a suppressed cell shows: ``<threshold``."""
        return f"<{self.threshold}" if self.threshold is not None else "<suppressed>"

    @property
    def not_for_publication(self) -> str | None:
        """Why this report must not be published (exact figures, individual-level data), or None."""
        if self.exact:
            return "NOT FOR PUBLICATION: exact figures (--exact)"
        if self.individual_level:
            return "NOT FOR PUBLICATION: individual-level pseudonymous data"
        return None


def _plain(value):
    """numpy/pandas scalars -> plain Python (NaN/NaT -> None)."""
    if value is None or value is pd.NaT:  # a missing date (an open-ended membership)
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value
