"""`costcalc publish DIR`: the static dashboard, its pages, its safety, and the watcher's republish."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.dashboard import DashboardError, publish_site
from costcalc.dashboard.site import MARKER
from costcalc.dashboard.slugs import RESERVED, unique_slugs
from costcalc.dashboard.trends import by_financial_year, by_month, financial_years
from costcalc import reports
from costcalc.settings import SettingsError, dashboard_folder, load_settings
from costcalc.watch.folder import Watcher
from loader_helpers import project_settings
from reports_marts_helper import IDENTITY, IDENTITY_RECORDS, SERVICE_USE
from reports_render_helper import build_render_marts, hostile_service_use

STANDARD = ["index.html", "services.html", "top-clients.html", "ta-comparison.html", "trends-month.html",
            "trends-financial-year.html"]
SERVICE_PAGES = ["service-adult-social-care.html", "service-general-service.html",
                 "service-housing-benefit.html", "service-temporary-accommodation.html"]


class Links(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.hrefs, self.svgs, self.tables = [], 0, 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a["href"])
        self.svgs += tag == "svg"
        self.tables += tag == "table"


@pytest.fixture()
def wh(tmp_path, monkeypatch):
    """A few clients, so small-number suppression is off here (threshold 1): these tests
    are about the rendering; suppressed cells are tested on reports marked by hand."""
    project_settings(monkeypatch, tmp_path / "project", "disclosure:\n  threshold: 1\n")
    return build_render_marts(tmp_path / "wh.duckdb")


def publish(wh, folder, *args, code=0):
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "publish", str(folder), *args])
    assert res.exit_code == code, res.output
    return res.output


def test_publish_writes_every_standard_page_and_one_per_service(wh, tmp_path):
    site = tmp_path / "site"
    out = publish(wh, site)
    assert "10 pages" in out
    assert sorted(p.name for p in site.iterdir()) == sorted(STANDARD + SERVICE_PAGES + [MARKER])
    for page in STANDARD + SERVICE_PAGES:
        text = (site / page).read_text(encoding="utf-8")
        links = Links(text)
        assert all((site / h).is_file() for h in links.hrefs), page  # every link is a page of the site
        assert links.svgs >= 1 and links.tables >= 1, page
        assert "About these figures" in text and "Suppression" in text
        assert "up to 31/03/2024 (3 files loaded)" in text, page
    index = Links((site / "index.html").read_text())
    assert set(SERVICE_PAGES) <= set(index.hrefs) and set(STANDARD[1:]) <= set(index.hrefs)


def test_a_service_page_holds_only_that_service(wh, tmp_path):
    site = tmp_path / "site"
    publish(wh, site, "--from", "2024-01-01", "--to", "2024-03-31")
    text = (site / "service-adult-social-care.html").read_text()
    assert "Home Care" in text and "Equipment" in text
    assert "Bed and Breakfast" not in text and "Floating Support" not in text
    assert "01/01/2024 to 31/03/2024" in text
    assert not (site / "service-general-service.html").exists()  # no spend in the period


def test_no_personal_data_reaches_the_site(wh, tmp_path):
    site = tmp_path / "site"
    publish(wh, site)
    text = "\n".join(p.read_text(encoding="utf-8") for p in site.glob("*.html"))
    for row in IDENTITY:
        for value in row[1:]:
            assert str(value) not in text
    for row in IDENTITY_RECORDS:
        assert row[5] not in text  # reference numbers
    assert re.findall(r"C\d{8}", text)  # clients appear by their pseudonymous id only


def test_republishing_replaces_the_whole_site_and_leaves_no_temporary_folder(tmp_path):
    wh = build_render_marts(tmp_path / "wh.duckdb")
    site = tmp_path / "site"
    publish(wh, site)
    (site / "stale.html").write_text("from an older publish")
    wh2 = build_render_marts(tmp_path / "wh2.duckdb", service_use=[r for r in SERVICE_USE if r[4] != "General Service"])
    publish(wh2, site)
    names = {p.name for p in site.iterdir()}
    assert "service-general-service.html" not in names and "stale.html" not in names
    assert "index.html" in names
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_publish_refuses_a_folder_that_is_not_a_dashboard_and_a_symlink(wh, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.docx").write_text("years of work")
    out = publish(wh, home, code=1)
    assert "not a costcalc dashboard" in out and (home / "thesis.docx").read_text() == "years of work"
    link = tmp_path / "link"
    link.symlink_to(home)
    out = publish(wh, link, code=1)
    assert "symbolic link" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    publish(wh, empty)
    assert (empty / "index.html").is_file()
    assert "does not exist" in publish(wh, tmp_path / "no" / "site", code=1)


def test_a_failed_render_leaves_the_old_site(wh, tmp_path):
    site = tmp_path / "site"
    publish(wh, site)
    before = (site / "index.html").read_text()
    out = publish(wh, site, "--from", "2024-03-01", "--to", "2024-01-01", code=1)
    assert "after it ends" in out
    assert (site / "index.html").read_text() == before


def test_service_page_names_are_safe_unique_and_stable():
    names = ["../../etc/passwd", "Care & Support", "care/support", "", "   ", "index", "<script>",
             "Café", ".hidden", "x" * 300, "Temporary Accommodation"]
    slugs = unique_slugs(names)
    assert len(set(slugs.values())) == len(names)
    for name, s in slugs.items():
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", s), (name, s)
        assert len(s) <= 60 and s not in RESERVED
    assert slugs["Temporary Accommodation"] == "temporary-accommodation"
    assert slugs["Café"] == "cafe"
    assert unique_slugs(list(reversed(names))) == slugs  # the same names always get the same files


def test_hostile_service_name_gets_a_safe_page_and_escaped_text(tmp_path):
    wh = build_render_marts(tmp_path / "wh.duckdb", service_use=hostile_service_use())
    site = tmp_path / "site"
    publish(wh, site)
    pages = sorted(p.name for p in site.glob("service-*.html"))
    assert len(pages) == 4 and all(re.fullmatch(r"service-[a-z0-9-]+\.html", p) for p in pages)
    for p in site.glob("*.html"):
        text = p.read_text()
        assert "<script>alert" not in text and text.count("<script>") == 1
    assert all(p.parent == site for p in site.rglob("*"))


def test_trends_add_up_to_the_services_report(wh):
    con = reports.connect_published(wh)
    try:
        total = reports.services(con).frame["cost"].sum()
        month = by_month(con)
        fy = by_financial_year(con)
    finally:
        con.close()
    assert month.frame["cost"].sum() == pytest.approx(total)
    assert fy.frame["cost"].sum() == pytest.approx(total)
    assert list(dict.fromkeys(fy.frame["financial_year"])) == ["2022-23", "2023-24"]
    gs = fy.frame[fy.frame["service"] == "General Service"].set_index("financial_year")["cost"]
    assert gs["2022-23"] == pytest.approx(90 * 12)  # 1 Jan - 31 Mar 2023 at 12/day
    assert gs["2023-24"] == pytest.approx(275 * 12)


def test_financial_years_are_clipped_to_the_period():
    from datetime import date

    assert financial_years(date(2023, 3, 15), date(2024, 4, 2)) == [
        ("2022-23", date(2023, 3, 15), date(2023, 3, 31)),
        ("2023-24", date(2023, 4, 1), date(2024, 3, 31)),
        ("2024-25", date(2024, 4, 1), date(2024, 4, 2))]


def test_dashboard_setting_is_checked(tmp_path, monkeypatch):
    project_settings(monkeypatch, tmp_path / "p", "dashboard:\n  folder: site\n")
    assert dashboard_folder() == tmp_path / "p" / "site"
    project_settings(monkeypatch, tmp_path / "p", "dashboard:\n  folder: 3\n")
    with pytest.raises(SettingsError, match="dashboard.folder"):
        load_settings()
    project_settings(monkeypatch, tmp_path / "p", "dashboard:\n  fodler: site\n")
    with pytest.raises(SettingsError, match="unknown setting 'fodler'"):
        load_settings()
    project_settings(monkeypatch, tmp_path / "p", "loading:\n  max_rejected_share: 1\n")
    assert dashboard_folder() is None


def test_the_watcher_republishes_after_a_successful_build(tmp_path, monkeypatch, caplog):
    wh = build_render_marts(tmp_path / "wh.duckdb")
    project_settings(monkeypatch, tmp_path / "p", f"dashboard:\n  folder: {tmp_path / 'site'}\n")
    drop = tmp_path / "drop"
    drop.mkdir()
    watcher = Watcher(drop, wh, build_fn=lambda w: True, settle=0)
    with caplog.at_level(logging.INFO, logger="costcalc.watch"):
        assert watcher.run_build() is True
    assert (tmp_path / "site" / "index.html").is_file()
    assert "dashboard republished: 10 pages" in caplog.text
    # a failed build publishes nothing new
    (tmp_path / "site" / "index.html").unlink()
    Watcher(drop, wh, build_fn=lambda w: False, settle=0).run_build()
    assert not (tmp_path / "site" / "index.html").exists()


def test_the_watcher_keeps_going_when_the_dashboard_cannot_be_written(tmp_path, monkeypatch, caplog):
    wh = build_render_marts(tmp_path / "wh.duckdb")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "other.txt").write_text("not ours")
    project_settings(monkeypatch, tmp_path / "p", f"dashboard:\n  folder: {taken}\n")
    drop = tmp_path / "drop"
    drop.mkdir()
    with caplog.at_level(logging.INFO, logger="costcalc.watch"):
        assert Watcher(drop, wh, build_fn=lambda w: True, settle=0).run_build() is True
    assert "the dashboard was not republished" in caplog.text and "not a costcalc dashboard" in caplog.text
    assert sorted(p.name for p in taken.iterdir()) == ["other.txt"]


def test_publish_site_reads_only_the_published_snapshot(tmp_path):
    wh = build_render_marts(tmp_path / "wh.duckdb")
    con = duckdb.connect(str(wh))  # a change after the last publish is not shown
    con.execute("UPDATE marts.fct_service_use SET service = 'Unpublished' WHERE service = 'General Service'")
    con.close()
    site = publish_site(wh, tmp_path / "site")
    assert "service-general-service.html" in site.pages
    assert not any("unpublished" in p for p in site.pages)
    with pytest.raises(DashboardError):
        publish_site(wh, tmp_path / "wh.duckdb")  # a file, not a folder
    assert Path(tmp_path / "wh.duckdb").is_file()


def test_months_are_clipped_to_the_period():
    from datetime import date

    from costcalc.dashboard.trends import months

    assert months(date(2024, 1, 15), date(2024, 3, 2)) == [
        ("2024-01", date(2024, 1, 15), date(2024, 1, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-03", date(2024, 3, 1), date(2024, 3, 2))]


def test_one_query_per_month_gives_what_the_month_buckets_give(wh):
    """The server-engine path (a query per month) and DuckDB's (one query) agree."""
    from costcalc.dashboard.trends import MONTH_COLUMNS, _per_period, months
    from costcalc.reports.filters import ReportFilters

    con = reports.connect_published(wh)
    try:
        one = by_month(con).frame
        f = ReportFilters()
        period = reports.resolve_period(con, f)
        each = _per_period(con, f, months(*period))[MONTH_COLUMNS]
    finally:
        con.close()
    assert len(one) == len(each) == 21
    for (_, a), (_, b) in zip(one.iterrows(), each.iterrows()):
        assert (a["period_from"].date() if hasattr(a["period_from"], "date") else a["period_from"]) == b["period_from"]
        assert (a["service"], int(a["clients"])) == (b["service"], int(b["clients"]))
        assert a["cost"] == pytest.approx(b["cost"])


def test_a_service_trend_keeps_its_suppressed_cells(wh):
    from costcalc.dashboard.trends import for_service

    con = reports.connect_published(wh)
    try:
        month = by_month(con)
    finally:
        con.close()
    rows = [i for i, s in enumerate(month.frame["service"]) if s == "Adult Social Care"]
    month.suppressed = {(rows[1], "clients"), (0, "clients")}
    month.disclosure = "Fewer than 10 clients: withheld."
    asc = for_service(month, "Adult Social Care")
    assert list(asc.frame["service"].unique()) == ["Adult Social Care"] and len(asc.frame) == len(rows)
    assert asc.suppressed == {(1, "clients")} and asc.disclosure == month.disclosure


def test_trend_pages_suppress_small_numbers_by_default(tmp_path, monkeypatch):
    """The dashboard is for publication: with the default threshold (10) the handful of
    clients of these marts never shows as a count, on the trend pages as on the others."""
    project_settings(monkeypatch, tmp_path / "project", "loading:\n  max_rejected_share: 0.5\n")
    wh = build_render_marts(tmp_path / "wh.duckdb")
    con = reports.connect_published(wh)
    try:
        month, year = by_month(con), by_financial_year(con)
    finally:
        con.close()
    for trend in (month, year):
        assert len(trend.frame) and trend.threshold == 10
        assert {c for _, c in trend.suppressed} >= {"clients", "cost"}
        assert trend.frame["clients"].isna().all()  # every count here is under 10
    site = tmp_path / "site"
    publish(wh, site)
    page = (site / "trends-month.html").read_text(encoding="utf-8")
    assert "&lt;10" in page or "<10" in page
    assert not re.search(r"<td[^>]*>\s*[1-9]\s*</td>", page)  # no count of 1-9 people in a cell
