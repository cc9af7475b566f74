"""`costcalc report ... --format html`: one self-contained page (parsed with html.parser)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from costcalc import reports
from costcalc.cli import main
from costcalc.reports import render
from loader_helpers import project_settings
from reports_render_helper import HOSTILE_SERVICE, HOSTILE_TYPE, build_render_marts, hostile_service_use


class Page(HTMLParser):
    """Every element with its attributes, and the page's text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)

    def tags(self, name):
        return [a for t, a in self.elements if t == name]


@pytest.fixture()
def wh(tmp_path, monkeypatch):
    """A few clients, so small-number suppression is off here (threshold 1): these tests
    are about the rendering; suppressed cells are tested on reports marked by hand."""
    project_settings(monkeypatch, tmp_path / "project", "disclosure:\n  threshold: 1\n")
    return build_render_marts(tmp_path / "wh.duckdb")


def page(wh, tmp_path, *args) -> str:
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "report", *args, "--format", "html",
                                    "--output", str(out)])
    assert res.exit_code == 0, res.output
    return out.read_text(encoding="utf-8")


def test_page_is_self_contained_and_fetches_nothing(wh, tmp_path):
    text = page(wh, tmp_path, "services")
    p = Page(text)
    for tag, attrs in p.elements:
        for name in ("src", "href", "xlink:href", "action", "data"):
            value = attrs.get(name)
            assert value is None or not value.lower().startswith(("http:", "https:", "//")), (tag, attrs)
    assert p.tags("link") == [] and p.tags("img") == [] and p.tags("iframe") == []
    assert all("src" not in a for a in p.tags("script"))
    csp = [a["content"] for a in p.tags("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none'")


def test_page_has_a_chart_a_sortable_table_and_the_provenance(wh, tmp_path):
    text = page(wh, tmp_path, "services", "--from", "2024-01-01", "--to", "2024-03-31")
    p = Page(text)
    assert len(p.tags("svg")) == 1
    bars = [a for a in p.tags("rect") if a.get("class") == "bar"]
    assert len(bars) == 5 and all(float(a["data-value"]) > 0 for a in bars)
    assert [a.get("class") for a in p.tags("table")] == ["sortable"]
    assert len(p.tags("button")) == 8  # one per column header
    body = " ".join(p.text)
    assert "01/01/2024 to 31/03/2024" in body
    assert "up to 31/03/2024 (3 files loaded)" in body
    assert "Small numbers are not suppressed: the disclosure threshold is 1" in body
    assert "£4,380.00" not in body  # General Service ended in 2023: not in this period
    assert "£1,220.00" in body


def test_line_chart_for_a_client_by_month(wh, tmp_path):
    p = Page(page(wh, tmp_path, "client", "C00000002", "--by", "month"))
    points = [a for a in p.tags("circle") if a.get("class") == "point"]
    assert [float(a["data-value"]) for a in points] == pytest.approx([340.0, 580.0, 300.0])


def test_provider_text_is_escaped_never_markup(tmp_path):
    wh = build_render_marts(tmp_path / "wh.duckdb", service_use=hostile_service_use())
    text = page(wh, tmp_path, "services")
    assert "<script>alert" not in text and "<b>Care" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    p = Page(text)
    assert len(p.tags("script")) == 1 and p.tags("b") == []  # only the page's own sort script
    assert HOSTILE_SERVICE in " ".join(p.text) and HOSTILE_TYPE in " ".join(p.text)
    assert "\x1b" not in text and "\x00" not in text and "Entitlement[31m red" in " ".join(p.text)


def test_suppressed_cells_read_as_the_threshold_and_draw_no_bar(wh):
    con = reports.connect_published(wh)
    try:
        report = reports.top_clients(con)
        provenance = render.read_provenance(con)
    finally:
        con.close()
    report.frame.loc[0, "cost"] = None
    report.suppressed = {(0, "cost")}
    report.disclosure = "Figures for fewer than 10 clients are shown as <10."
    p = Page(render.format_html(report, provenance))
    cells = [a for a in p.tags("td") if "suppressed" in (a.get("class") or "")]
    assert len(cells) == 1 and "data-v" not in cells[0]
    assert "<10" in p.text
    bars = [a for a in p.tags("rect") if a.get("class") == "bar"]
    assert len(bars) == len(report.frame) - 1
    assert report.disclosure in " ".join(p.text)


def test_csp_hashes_match_the_inline_script_and_style():
    import base64
    import hashlib

    from costcalc.reports.render import html

    for body in (html.SORT_SCRIPT, html.STYLE):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in html.CSP


@pytest.mark.parametrize("values", [(1690000.0, 120.0), (260000.0,), (-50.0, 70.0), (0.004, 0.001), (5.0, 5.0)])
def test_the_axis_covers_every_bar(values):
    import re as _re

    from costcalc.reports.render.charts import Chart, Series
    from costcalc.reports.render.svg import chart_svg

    svg = chart_svg(Chart("bar", "t", tuple(f"c{i}" for i in range(len(values))), (Series("s", values),)))
    grid = [float(x) for x in _re.findall(r'<line x1="([\d.]+)"', svg)]
    bars = [(float(x), float(w)) for x, w in _re.findall(r'class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)]
    assert len(bars) == len(values)
    assert all(min(grid) - 0.11 <= x and x + w <= max(grid) + 0.11 for x, w in bars), (grid, bars)


def test_listings_render_with_a_count_chart_and_no_period(wh, tmp_path):
    p = Page(page(wh, tmp_path, "memberships"))
    bars = [float(a["data-value"]) for a in p.tags("rect") if a.get("class") == "bar"]
    assert sorted(bars, reverse=True) == bars and bars[0] == 2  # clients per membership, biggest first
    assert "Period" not in p.text


def test_text_formats_can_be_written_to_a_file_too(wh, tmp_path):
    out = tmp_path / "t.csv"
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "report", "services", "--format", "csv",
                                    "--output", str(out)])
    assert res.exit_code == 0 and res.stdout == ""
    assert out.read_text().startswith("service,service_type,clients")
