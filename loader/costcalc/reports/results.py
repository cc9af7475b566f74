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

    @property
    def rows(self) -> list[dict]:
        return [{k: _plain(v) for k, v in r.items()} for r in self.frame.to_dict(orient="records")]


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
