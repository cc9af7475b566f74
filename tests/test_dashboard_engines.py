"""The dashboard, the workbook and the page on every engine (DuckDB and PostgreSQL), from the
end-to-end demo scenario (tests/helpers/e2e_demo.py): the trend queries, the provenance mart
and `costcalc publish` run on the engine's SQL."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from loader_helpers import project_settings

from costcalc import reports
from costcalc.dashboard import publish_site
from costcalc.dashboard.pages import build_pages
from costcalc.dashboard.trends import by_financial_year, by_month
from costcalc.reports import render
from costcalc.schemas import load_file_types

PERIOD = reports.ReportFilters(date_from=dt.date(2024, 4, 1), date_to=dt.date(2026, 3, 31))


def test_trends_add_up_to_the_services_report(e2e, tmp_path, monkeypatch):
    # arithmetic, not disclosure: suppression off (threshold 1) for the trends, --exact for services
    project_settings(monkeypatch, tmp_path / "project", "disclosure:\n  threshold: 1\n")
    total = sum(r["cost"] for r in reports.services(e2e.con, PERIOD, exact=True).rows)
    month = by_month(e2e.con, PERIOD)
    fy = by_financial_year(e2e.con, PERIOD)
    assert total > 0
    assert month.frame["cost"].sum() == pytest.approx(total, rel=1e-9)
    assert fy.frame["cost"].sum() == pytest.approx(total, rel=1e-9)
    assert list(dict.fromkeys(fy.frame["financial_year"])) == ["2024-25", "2025-26"]
    assert len(set(month.frame["period_from"])) == 24


def test_provenance_names_every_loaded_file_type(e2e):
    prov = render.read_provenance(e2e.con)
    loaded = {r[0] for r in e2e.con.execute(
        "SELECT DISTINCT file_type FROM raw.load_log WHERE status = 'loaded'").fetchall()}
    assert {e.file_type for e in prov.extracts} == loaded
    names = {t.file_type: t.display_name for t in load_file_types().values()}
    for e in prov.extracts:
        assert e.latest_extract_date is not None and e.files_loaded >= 1
        assert e.service == names[e.file_type]


def test_every_page_and_a_workbook_render_on_the_engine(e2e, tmp_path):
    prov = render.read_provenance(e2e.con)
    pages = build_pages(e2e.con, PERIOD, prov)
    files = [p.file_name for p in pages]
    assert files[:6] == ["index.html", "services.html", "top-clients.html", "ta-comparison.html",
                         "trends-month.html", "trends-financial-year.html"]
    assert len(files) > 6 and all(f.startswith("service-") for f in files[6:])
    wb = openpyxl.load_workbook(io.BytesIO(render.format_xlsx(reports.ta_comparison(e2e.con, PERIOD), prov)))
    assert wb.sheetnames == ["Report", "Chart", "About"]


def test_publish_on_a_server_engine(pg_e2e, pg_engine, tmp_path):
    with pg_engine.selected():
        site = publish_site(pg_e2e.warehouse, tmp_path / "site", date_from=PERIOD.date_from,
                            date_to=PERIOD.date_to)
    assert (tmp_path / "site" / "index.html").is_file() and len(site.pages) > 6
    text = (tmp_path / "site" / "index.html").read_text()
    assert "Data extracted:" in text and "build " in text
