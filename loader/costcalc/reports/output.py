"""Reports as text: a terminal table, CSV and JSON, every cell made safe for where it goes."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date

from costcalc.reports.errors import ReportError
from costcalc.reports.results import DATE, DAYS, INT, MONEY, SHARE, TEXT, Report, _plain
from costcalc.safe_output import spreadsheet_row, terminal_text


FORMATS = ("table", "csv", "json")


def format_money(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    v = float(value)
    text = f"£{abs(v):,.2f}"
    return f"-{text}" if v < 0 and text != "£0.00" else text


def _cell(value, kind: str) -> str:
    value = _plain(value)
    if value is None:
        return "-"
    if kind == MONEY:
        return format_money(value)
    if kind in (INT, DAYS):
        return f"{int(value):,}"
    if kind == SHARE:
        return f"{float(value) * 100:.1f}%"
    if kind == DATE:
        return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else str(value)
    return str(value)


def _header(report: Report) -> list[str]:
    lines = [report.title]
    if report.not_for_publication:
        lines.append(report.not_for_publication)
    if report.name not in ("memberships", "needs"):
        lines.append(f"Period: {report.period_from:%d/%m/%Y} to {report.period_to:%d/%m/%Y} (both days included)")
    described = report.filters.describe()
    if described:
        lines.append("Filters: " + "; ".join(
            f"{k.replace('_', ' ')} = {', '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in described.items()))
    return lines


def format_table(report: Report) -> str:
    cols = list(report.frame.columns)
    # Text from providers' files (service types, ...) may hold ESC sequences: stripped.
    body = [[report.suppressed_label if report.is_suppressed(i, c)
             else terminal_text(_cell(r[c], report.kinds.get(c, TEXT)), one_line=True) for c in cols]
            for i, r in enumerate(report.rows)]
    if report.total_label_column and body:
        total = []
        summed = report.total_columns()
        for c in cols:
            kind = report.kinds.get(c, TEXT)
            if c == report.total_label_column:
                total.append("Total")
            elif c in summed:
                if report.totals is None:
                    total.append(_cell(report.frame[c].sum(), kind))
                elif report.totals.get(c) is None:
                    total.append(report.suppressed_label)
                else:
                    total.append(_cell(report.totals[c], kind))
            else:
                total.append("")
        body.append(None)  # separator
        body.append(total)
    headers = [c.replace("_", " ") for c in cols]
    widths = [len(h) for h in headers]
    for row in body:
        if row:
            widths = [max(w, len(x)) for w, x in zip(widths, row)]
    numeric = [report.kinds.get(c, TEXT) in (INT, MONEY, SHARE, DAYS) for c in cols]

    def line(cells):
        return "  ".join(x.rjust(w) if n else x.ljust(w) for x, w, n in zip(cells, widths, numeric)).rstrip()

    out = _header(report) + [""]
    if not body:
        out.append("No rows: nothing matches this period and these filters.")
    else:
        out.append(line(headers))
        out.append("  ".join("-" * w for w in widths))
        for row in body:
            out.append("  ".join("-" * w for w in widths) if row is None else line(row))
    if report.notes:
        out.append("")
        out.extend(report.notes)
    return terminal_text("\n".join(out)) + "\n"


def _json_value(value):
    value = _plain(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def format_csv(report: Report) -> str:
    """Plain rows with a header; costs unrounded (machine-readable)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = list(report.frame.columns)
    # Cells a spreadsheet would run as formulas (=HYPERLINK(...), @SUM(...), +1+1 in a
    # provider's service type) get a leading apostrophe; numbers stay numbers.
    w.writerow(spreadsheet_row(cols))
    for i, r in enumerate(report.rows):
        w.writerow(spreadsheet_row([_shown_value(report, i, c, r[c]) for c in cols]))
    return buf.getvalue()


def _shown_value(report: Report, row: int, column: str, value):
    """A cell for CSV and JSON: its value, or the suppressed label ("<10") as a string. A count
    stays a whole number when suppression elsewhere in its column made the column float."""
    if report.is_suppressed(row, column):
        return report.suppressed_label
    value = _json_value(value)
    if report.kinds.get(column) == INT and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def format_json(report: Report) -> str:
    """An object with the report, period, filters and rows; costs unrounded."""
    doc = {
        "report": report.name,
        "period": {"from": report.period_from.isoformat(), "to": report.period_to.isoformat()},
        "filters": report.filters.describe(),
        "rows": [{k: _shown_value(report, i, k, v) for k, v in r.items()} for i, r in enumerate(report.rows)],
        "notes": report.notes,
        "disclosure": {
            "threshold": report.threshold,
            "rule": report.disclosure,
            "suppressed_cells": len(report.suppressed),
            "suppressed_shown_as": report.suppressed_label if report.threshold is not None else None,
            "exact": report.exact,
            "individual_level": report.individual_level,
            "not_for_publication": report.not_for_publication,
        },
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def format_report(report: Report, fmt: str = "table") -> str:
    if fmt == "table":
        return format_table(report)
    if fmt == "csv":
        return format_csv(report)
    if fmt == "json":
        return format_json(report)
    raise ReportError(f"format must be one of {', '.join(FORMATS)}")
