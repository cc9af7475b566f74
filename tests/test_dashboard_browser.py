"""The dashboard and the HTML report in a real browser: Debian's headless chromium over
CDP (tests/helpers/browser.py). Every page renders, logs no error, fetches nothing,
draws its charts, and its tables sort when a header is clicked."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from helpers.browser import browser, chromium_path
from loader_helpers import project_settings
from reports_render_helper import HOSTILE_SERVICE, build_render_marts, hostile_service_use

if chromium_path() is None:  # a failure under COSTCALC_NO_SKIP=1 (make test installs chromium)
    pytest.skip("chromium is not installed (scripts/setup-system.sh installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("dash")
    wh = build_render_marts(root / "wh.duckdb", service_use=hostile_service_use())
    # a handful of clients: suppression off (threshold 1) so that the charts have bars to draw
    (root / "project").mkdir()
    (root / "project" / "costcalc.yml").write_text("disclosure:\n  threshold: 1\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COSTCALC_PROJECT_DIR", str(root / "project"))
        res = CliRunner().invoke(main, ["--warehouse", str(wh), "publish", str(root / "site")])
    assert res.exit_code == 0, res.output
    return root / "site"


@pytest.fixture(scope="module")
def page():
    with browser() as p:
        yield p


def pages(site):
    return sorted(p for p in site.glob("*.html"))


def test_every_page_renders_with_no_console_error_and_fetches_nothing(site, page):
    assert len(pages(site)) == 10
    for path in pages(site):
        page.goto(path.as_uri())
        assert page.errors == [], (path.name, page.errors)
        assert page.evaluate("document.querySelector('h1').textContent.length") > 0
        assert page.evaluate("document.querySelectorAll('table.sortable tbody tr').length") > 0, path.name
        assert page.evaluate("document.querySelector('dl.provenance').textContent").count("Data extracted") == 2
        assert all(u.startswith(("file:", "data:", "about:")) for u in page.requests), page.requests


def test_charts_are_drawn_with_their_data(site, page):
    for path in pages(site):
        page.goto(path.as_uri())
        drawn = page.evaluate("""Array.from(document.querySelectorAll('svg.chart')).map(svg => {
            const marks = Array.from(svg.querySelectorAll('.bar, .point'));
            const box = svg.getBoundingClientRect();
            return {width: box.width, height: box.height, marks: marks.length,
                    painted: marks.filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0; }).length,
                    values: marks.map(m => parseFloat(m.dataset.value))};
        })""")
        assert drawn, f"{path.name}: no chart"
        for chart in drawn:
            assert chart["width"] > 300 and chart["height"] > 50, path.name
            assert chart["marks"] > 0 and chart["painted"] == chart["marks"], (path.name, chart)
            assert all(v == v for v in chart["values"])  # numbers, not NaN


COST_COLUMN = """(() => { const t = document.querySelector('table.sortable');
  const i = Array.from(t.tHead.rows[0].cells).findIndex(c => c.textContent.trim().startsWith('cost'));
  return Array.from(t.tBodies[0].rows).map(r => parseFloat(r.cells[i].dataset.v)); })()"""


def test_clicking_a_header_sorts_the_table(site, page):
    page.goto((site / "services.html").as_uri())
    before = page.evaluate(COST_COLUMN)
    assert before != sorted(before)  # the report's own order: by service
    index = page.evaluate("Array.from(document.querySelectorAll('table.sortable th')).findIndex("
                          "c => c.textContent.trim() === 'cost') + 1")
    page.click(f"table.sortable th:nth-child({index}) button")
    ascending = page.evaluate(COST_COLUMN)
    assert ascending == sorted(before)
    assert page.evaluate(f"document.querySelector('table.sortable th:nth-child({index})')"
                         ".getAttribute('aria-sort')") == "ascending"
    page.click(f"table.sortable th:nth-child({index}) button")
    assert page.evaluate(COST_COLUMN) == sorted(before, reverse=True)
    # a text column sorts too
    page.click("table.sortable th:nth-child(2) button")
    types = page.evaluate("Array.from(document.querySelectorAll('table.sortable tbody tr'))"
                          ".map(r => r.cells[1].textContent)")
    assert types == sorted(types, key=str.lower) or types == sorted(types)
    assert page.errors == []


def test_a_hostile_service_name_is_shown_not_run(site, page):
    page.goto((site / "services.html").as_uri())
    assert page.errors == []  # no alert() dialog, no CSP violation
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    assert page.evaluate("document.querySelectorAll('main b').length") == 0
    assert HOSTILE_SERVICE in page.evaluate("document.querySelector('table.sortable').textContent")


def test_the_html_report_works_offline_in_the_browser(tmp_path, page, monkeypatch):
    project_settings(monkeypatch, tmp_path / "project", "disclosure:\n  threshold: 1\n")  # a few clients
    wh = build_render_marts(tmp_path / "wh.duckdb")
    out = tmp_path / "ta.html"
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "report", "ta-comparison", "--format", "html",
                                    "--output", str(out)])
    assert res.exit_code == 0, res.output
    page.goto(out.as_uri())
    assert page.errors == []
    assert page.evaluate("document.querySelectorAll('svg.chart rect.bar').length") > 0
    legend = page.evaluate("Array.from(document.querySelectorAll('svg.chart text.legend')).map(t => t.textContent)")
    assert legend == ["Ever in TA", "All others"]
    assert all(u.startswith(("file:", "data:", "about:")) for u in page.requests)
