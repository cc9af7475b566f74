"""A report as one self-contained HTML page: inline SVG charts, tables sortable by
any column (a few lines of inline script), the provenance, and nothing fetched.

Offline by construction: no ``src`` or ``href`` leaves the page, and the page's
Content-Security-Policy (``default-src 'none'``, the one script and the one style
allowed by their SHA-256) stops a browser fetching anything or running any other
script, even if some text were not escaped. Every text is escaped
(``html.escape``): a service named ``<script>alert(1)</script>`` is shown as text.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from costcalc.reports.render.cells import (
    NUMERIC_KINDS, display_text, header_text, suppressed_cells, suppressed_label)
from costcalc.reports.render.charts import chart_for
from costcalc.reports.render.provenance import Provenance
from costcalc.reports.render.svg import chart_svg
from costcalc.reports.results import DATE, TEXT, Report, _plain
from costcalc.safe_output import terminal_text

#: Sorts a table when a header button is clicked: numbers by their data-v, text by its words;
#: a second click reverses. Suppressed cells (no data-v) sort below every number.
SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, col) {
    var button = th.querySelector("button");
    button.addEventListener("click", function () {
      var numeric = th.dataset.kind === "num";
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      table.querySelectorAll("thead th").forEach(function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        if (numeric) {
          var p = x.hasAttribute("data-v") ? parseFloat(x.dataset.v) : -Infinity;
          var q = y.hasAttribute("data-v") ? parseFloat(y.dataset.v) : -Infinity;
          return p === q ? 0 : (p < q ? -dir : dir);
        }
        var s = x.hasAttribute("data-v") ? x.dataset.v : x.textContent;
        var t = y.hasAttribute("data-v") ? y.dataset.v : y.textContent;
        return dir * s.localeCompare(t, "en-GB", {numeric: true});
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
""".strip()

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;background:#fff}
header{background:#1f4e79;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:1.45em}
header p{margin:4px 0 0;opacity:.9}
nav{background:#eef3f8;padding:8px 24px;border-bottom:1px solid #cdd9e5}
nav a{margin-right:14px;color:#1f4e79}
main{padding:12px 24px 32px;max-width:1100px}
h2{font-size:1.2em;margin:24px 0 8px;color:#1f4e79}
table{border-collapse:collapse;margin:8px 0;font-size:.92em}
th,td{border:1px solid #cdd9e5;padding:4px 8px;vertical-align:top}
th{background:#1f4e79;color:#fff;padding:0}
th button{all:unset;cursor:pointer;display:block;padding:4px 8px;color:#fff;font-weight:600}
th button:focus-visible{outline:2px solid #ffbf47}
th[aria-sort=ascending] button::after{content:" \\25B2"}
th[aria-sort=descending] button::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.suppressed{color:#6b6b6b;font-style:italic}
tbody tr:nth-child(even){background:#f6f8fa}
dl.provenance{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;font-size:.9em}
dl.provenance dt{font-weight:600}
dl.provenance dd{margin:0}
.chart{max-width:100%;height:auto;display:block;margin:8px 0}
.chart .grid{stroke:#e1e6eb}
.chart text{font-size:12px;fill:#1b1b1b}
.chart .tick{fill:#555}
.chart .value{fill:#333;font-size:11px}
ul.pages li{margin:4px 0}
p.note,p.empty{color:#333}
footer{font-size:.85em;color:#555;padding:0 24px 24px}
.visually-hidden{position:absolute;left:-9999px}
""".strip()


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


CSP = (f"default-src 'none'; script-src '{_hash(SORT_SCRIPT)}'; style-src '{_hash(STYLE)}'; "
       "img-src data:; base-uri 'none'; form-action 'none'")


def _e(text) -> str:
    """Text for the page: control characters removed (a NUL or ESC from a provider's file), then escaped."""
    return escape(terminal_text(text), quote=True)


def table_html(report: Report) -> str:
    """The report's rows as a sortable table (every column; a suppressed cell reads ``<N``)."""
    cols = list(report.frame.columns)
    if report.frame.empty:
        return '<p class="empty">No rows: nothing matches this period and these filters.</p>'
    hidden = suppressed_cells(report)
    label = suppressed_label(report)
    head = "".join(
        f'<th scope="col" data-kind="{"num" if report.kinds.get(c, TEXT) in NUMERIC_KINDS else "text"}">'
        f'<button type="button">{_e(header_text(c))}</button></th>' for c in cols)
    body = []
    for i, row in enumerate(report.rows):
        cells = []
        for c in cols:
            kind = report.kinds.get(c, TEXT)
            value = _plain(row[c])
            if (i, c) in hidden:
                cells.append(f'<td class="num suppressed" title="withheld: a small number">{_e(label)}</td>')
            elif kind in NUMERIC_KINDS:
                v = "" if value is None else f' data-v="{float(value)!r}"'
                cells.append(f'<td class="num"{v}>{_e(display_text(report, i, c, value, hidden))}</td>')
            elif kind == DATE and value is not None and hasattr(value, "isoformat"):
                cells.append(f'<td data-v="{value.isoformat()}">{_e(display_text(report, i, c, value, hidden))}</td>')
            else:
                cells.append(f"<td>{_e(display_text(report, i, c, value, hidden))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="sortable"><caption class="visually-hidden">{_e(report.title)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def section_html(report: Report, heading: str | None = None, chart: bool = True) -> str:
    """A report's chart, table and notes."""
    out = [f"<section><h2>{_e(heading or report.title)}</h2>"]
    spec = chart_for(report) if chart else None
    if spec is not None:
        out.append(chart_svg(spec))
    out.append(table_html(report))
    out.extend(f'<p class="note">{_e(n)}</p>' for n in report.notes)
    out.append("</section>")
    return "".join(out)


def provenance_html(lines: list[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in lines)
    return f'<section><h2>About these figures</h2><dl class="provenance">{items}</dl></section>'


def render_page(title: str, body_html: str, *, subtitle: str | None = None,
                nav: list[tuple[str, str]] | None = None, provenance_lines: list[tuple[str, str]] | None = None) -> str:
    """A whole page. ``body_html`` is already escaped markup; ``nav`` is (relative href, label)
    pairs (the caller makes the hrefs: plain file names of the same site)."""
    nav_html = ""
    if nav:
        nav_html = "<nav>" + "".join(f'<a href="{_e(h)}">{_e(t)}</a>' for h, t in nav) + "</nav>"
    sub = f"<p>{_e(subtitle)}</p>" if subtitle else ""
    prov = provenance_html(provenance_lines) if provenance_lines else ""
    return ("<!DOCTYPE html>\n"
            '<html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head>"
            f"<body><header><h1>{_e(title)}</h1>{sub}</header>{nav_html}"
            f"<main>{body_html}{prov}</main>"
            "<footer>Made by costcalc from the published marts: client ids are pseudonymous; "
            "no names, dates of birth, addresses or reference numbers.</footer>"
            f"<script>{SORT_SCRIPT}</script></body></html>\n")


def format_html(report: Report, provenance: Provenance | None = None) -> str:
    """One report as a self-contained page."""
    provenance = provenance or Provenance()
    period = None
    if report.name not in ("memberships", "needs"):
        period = f"{report.period_from:%d/%m/%Y} to {report.period_to:%d/%m/%Y}"
    return render_page(report.title, section_html(report, heading="Figures"), subtitle=period,
                       provenance_lines=provenance.lines(report, notes=False))
