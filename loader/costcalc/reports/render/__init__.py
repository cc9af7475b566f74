"""Reports for people who would rather look than read: an Excel workbook with a
native chart, and a self-contained HTML page with inline SVG charts and sortable
tables (docs/reports.md#excel-and-html).

- ``cells``: how a cell is shown (money, shares, dates, and a suppressed small number
  as ``<N``: :func:`cells.suppressed_label`, the one place that label comes from);
- ``provenance``: what a report covers and how current its data is (period, filters,
  extract dates, build, suppression rule), read from the published marts;
- ``charts``: the chart that fits each report, as data (kind, categories, series);
- ``svg``: those charts drawn as inline SVG; ``html``: the page; ``xlsx``: the workbook;
- ``files``: writing the output file safely (never through a link, never half a file).
"""

from costcalc.reports.render.files import write_output
from costcalc.reports.render.html import format_html, render_page
from costcalc.reports.render.provenance import Provenance, read_provenance
from costcalc.reports.render.xlsx import format_xlsx

#: The formats that need --output (binary, or a page meant to be opened, not printed).
FILE_FORMATS = ("xlsx", "html")

__all__ = ["FILE_FORMATS", "Provenance", "format_html", "format_xlsx", "read_provenance", "render_page",
           "write_output"]
