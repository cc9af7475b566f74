"""How a report cell is shown, in the workbook and on a page.

Small-number suppression (docs/reports.md#small-numbers): a report may carry
``suppressed``, a set of (row index, column) cells whose value is withheld (the
frame holds NaN/None there), and ``disclosure``, the rule in words. A suppressed
cell is shown as the text ``<N`` (N the threshold), never as a number, and charts
skip it. :func:`suppressed_label` is the one place that text comes from.
"""

from __future__ import annotations

import re

from costcalc.reports.output import _cell
from costcalc.reports.results import DATE, DAYS, INT, MONEY, SHARE, TEXT, Report

#: The threshold shown when a report names none (counts below it are withheld).
DEFAULT_THRESHOLD = 10
NUMERIC_KINDS = (INT, MONEY, SHARE, DAYS)


def suppressed_cells(report: Report) -> set[tuple[int, str]]:
    """The (row index, column) cells withheld by small-number suppression (empty before any)."""
    return set(getattr(report, "suppressed", None) or ())


def disclosure_text(report: Report) -> str | None:
    """The suppression rule in words, as the report states it (None: no rule applied)."""
    text = getattr(report, "disclosure", None)
    return str(text) if text else None


def suppression_threshold(report: Report) -> int:
    """The threshold of the report's rule: its ``suppression_threshold`` (or ``threshold``)
    attribute, else the first ``fewer than N`` / ``below N`` / ``<N`` of its rule's text,
    else :data:`DEFAULT_THRESHOLD`."""
    for attr in ("suppression_threshold", "threshold"):
        value = getattr(report, attr, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    text = disclosure_text(report) or ""
    m = re.search(r"(?:fewer than|less than|below|under|<)\s*(\d+)", text, re.IGNORECASE)
    return int(m.group(1)) if m else DEFAULT_THRESHOLD


def suppressed_label(report: Report) -> str:
    """What a suppressed cell shows: ``<10`` for a threshold of 10."""
    return f"<{suppression_threshold(report)}"


def is_suppressed(report: Report, row: int, column: str, cells: set | None = None) -> bool:
    return (row, column) in (suppressed_cells(report) if cells is None else cells)


def display_text(report: Report, row: int, column: str, value, cells: set | None = None) -> str:
    """The cell as a person reads it: ``£1,234.50``, ``12.5%``, ``31/01/2024``, ``<10``, ``-``."""
    if is_suppressed(report, row, column, cells):
        return suppressed_label(report)
    return _cell(value, report.kinds.get(column, TEXT))


def header_text(column: str) -> str:
    return column.replace("_", " ")


def kind(report: Report, column: str) -> str:
    return report.kinds.get(column, TEXT)


__all__ = ["DATE", "DEFAULT_THRESHOLD", "NUMERIC_KINDS", "display_text", "disclosure_text", "header_text",
           "is_suppressed", "kind", "suppressed_cells", "suppressed_label", "suppression_threshold"]
