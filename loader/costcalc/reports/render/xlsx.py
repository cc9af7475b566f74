"""A report as an Excel workbook: the table (pounds, percentages, frozen header,
filters on), a native Excel chart that fits the report, and an "About" sheet.

Sheets:

- ``Report``: the table. Header in row 1 (frozen), an autofilter over the table,
  money as ``£#,##0.00``, shares as ``0.0%``, counts as ``#,##0``, dates as
  ``dd/mm/yyyy``; a suppressed cell is the text ``<N`` (cells.suppressed_label).
- ``Chart``: the chart's numbers (categories in column A, one series per column;
  a suppressed value is an empty cell, so Excel leaves a gap) and the native chart
  (openpyxl.chart) drawn from them.
- ``About``: the period, the filters, the data's extract dates, the build, when
  the file was produced, the suppression rule and the report's notes.

Every text cell passes through ``safe_output.spreadsheet_cell``: a provider's
service type ``=HYPERLINK(...)`` is shown as text, never run; control characters
(which Excel cannot store) are removed.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from costcalc.reports.render.cells import header_text, suppressed_cells, suppressed_label
from costcalc.reports.render.charts import Chart, chart_for
from costcalc.reports.render.provenance import Provenance
from costcalc.reports.results import DATE, DAYS, INT, MONEY, SHARE, TEXT, Report, _plain
from costcalc.safe_output import spreadsheet_cell

NUMBER_FORMATS = {MONEY: "£#,##0.00", SHARE: "0.0%", INT: "#,##0", DAYS: "#,##0", DATE: "dd/mm/yyyy"}
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
#: Excel refuses a cell of more than 32,767 characters.
MAX_CELL = 32_767


def _text(value) -> str:
    """A text cell: control characters Excel cannot store removed (an ESC or BEL in a
    provider's service type), at most :data:`MAX_CELL` characters, never a formula."""
    return spreadsheet_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL])


def _value(value, kind: str):
    value = _plain(value)
    if value is None:
        return None
    if kind in (MONEY, SHARE):
        return float(value)
    if kind in (INT, DAYS):
        return int(value)
    if kind == DATE and isinstance(value, (date, datetime)):
        return value
    return _text(value)


def _table_sheet(ws, report: Report) -> None:
    cols = list(report.frame.columns)
    hidden = suppressed_cells(report)
    label = suppressed_label(report)
    ws.append([_text(header_text(c)) for c in cols])
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(report.rows):
        ws.append([label if (i, c) in hidden else _value(row[c], report.kinds.get(c, TEXT)) for c in cols])
    for j, c in enumerate(cols, start=1):
        kind = report.kinds.get(c, TEXT)
        fmt = NUMBER_FORMATS.get(kind)
        letter = get_column_letter(j)
        width = len(header_text(c))
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            if fmt and not isinstance(cell.value, str):
                cell.number_format = fmt
            if isinstance(cell.value, str) and cell.value == label:
                cell.alignment = Alignment(horizontal="right")
            width = max(width, 12 if kind == MONEY else len(str(cell.value or "")))
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    last = get_column_letter(max(len(cols), 1))
    ws.auto_filter.ref = f"A1:{last}{max(ws.max_row, 1)}"


def _chart_sheet(ws, chart: Chart) -> None:
    ws.append([_text("Category"), *[_text(s.name) for s in chart.series]])
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    fmt = NUMBER_FORMATS.get(chart.value_kind)
    for i, cat in enumerate(chart.categories):
        ws.append([_text(cat), *[s.values[i] for s in chart.series]])
    n = len(chart.categories)
    for col in range(2, len(chart.series) + 2):
        for (cell,) in ws.iter_rows(min_row=2, max_row=n + 1, min_col=col, max_col=col):
            if fmt:
                cell.number_format = fmt
    ws.column_dimensions["A"].width = min(max((len(c) for c in chart.categories), default=10) + 2, 60)
    if chart.kind == "line":
        xl = LineChart()
    else:
        xl = BarChart()
        xl.type = "bar"  # horizontal: long service names stay readable
        xl.grouping = "clustered"
        xl.overlap = 0 if len(chart.series) > 1 else None
    xl.title = chart.title
    xl.y_axis.title = chart.value_title
    xl.y_axis.numFmt = fmt or "General"
    xl.height, xl.width = max(7.5, min(0.6 * n + 3, 30)), 22
    data = Reference(ws, min_col=2, max_col=len(chart.series) + 1, min_row=1, max_row=n + 1)
    cats = Reference(ws, min_col=1, min_row=2, max_row=n + 1)
    xl.add_data(data, titles_from_data=True)
    xl.set_categories(cats)
    if chart.kind == "bar":
        xl.x_axis.scaling.orientation = "maxMin"  # the biggest bar on top, as in the table
    xl.x_axis.delete = False
    xl.y_axis.delete = False
    if len(chart.series) == 1:
        xl.legend = None
    ws.add_chart(xl, f"{get_column_letter(len(chart.series) + 3)}2")


def _about_sheet(ws, report: Report, provenance: Provenance) -> None:
    ws.append([_text("About this report"), None])
    ws["A1"].font = Font(bold=True, size=14)
    for label, text in provenance.lines(report):
        ws.append([_text(label), _text(text)])
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 100
    for (a, b) in ws.iter_rows(min_row=2):
        a.font = Font(bold=True)
        a.alignment = b.alignment = Alignment(wrap_text=True, vertical="top")


def format_xlsx(report: Report, provenance: Provenance | None = None) -> bytes:
    """The workbook's bytes."""
    provenance = provenance or Provenance()
    wb = Workbook()
    ws = wb.active
    ws.title = "Report"
    _table_sheet(ws, report)
    chart = chart_for(report)
    if chart is not None:
        _chart_sheet(wb.create_sheet("Chart"), chart)
    _about_sheet(wb.create_sheet("About"), report, provenance)
    wb.properties.title = _text(report.title)[:255]
    wb.properties.creator = "costcalc"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
