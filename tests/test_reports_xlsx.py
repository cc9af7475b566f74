"""`costcalc report ... --format xlsx`: the workbook reopened with openpyxl, cell by cell."""

from __future__ import annotations

import os
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.chart import BarChart, LineChart

from costcalc import reports
from costcalc.cli import main
from costcalc.reports import render
from costcalc.reports.render.cells import suppressed_label
from loader_helpers import project_settings
from reports_render_helper import HOSTILE_SERVICE, HOSTILE_TYPE, build_render_marts, hostile_service_use


@pytest.fixture()
def wh(tmp_path, monkeypatch):
    """A few clients, so small-number suppression is off here (threshold 1): these tests
    are about the rendering; suppressed cells are tested on reports marked by hand."""
    project_settings(monkeypatch, tmp_path / "project", "disclosure:\n  threshold: 1\n")
    return build_render_marts(tmp_path / "wh.duckdb")


def run(wh, *args, code=0):
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "report", *args])
    assert res.exit_code == code, res.output
    return res.output


def workbook(wh, tmp_path, *args, name="r.xlsx"):
    out = tmp_path / name
    run(wh, *args, "--format", "xlsx", "--output", str(out))
    return openpyxl.load_workbook(out)


def _series_refs(chart):
    return [s.val.numRef.f for s in chart.series], [s.cat.strRef.f if s.cat.strRef else s.cat.numRef.f
                                                   for s in chart.series]


def test_services_workbook_has_formatted_table_frozen_header_and_filter(wh, tmp_path):
    wb = workbook(wh, tmp_path, "services")
    assert wb.sheetnames == ["Report", "Chart", "About"]
    ws = wb["Report"]
    headers = [c.value for c in ws[1]]
    assert headers == ["service", "service type", "clients", "records", "days", "cost", "mean per client",
                       "share of cost"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:H{ws.max_row}"
    assert ws.max_row == 1 + 6  # six service / service-type rows
    cost_col = headers.index("cost") + 1
    share_col = headers.index("share of cost") + 1
    costs = [ws.cell(r, cost_col) for r in range(2, ws.max_row + 1)]
    assert all(c.number_format == "£#,##0.00" for c in costs)
    assert all(isinstance(c.value, (int, float)) for c in costs)
    assert sum(c.value for c in costs) == pytest.approx(8603.0)  # the report's total (test_reports_cli)
    assert all(ws.cell(r, share_col).number_format == "0.0%" for r in range(2, ws.max_row + 1))
    assert ws.cell(2, headers.index("clients") + 1).number_format == "#,##0"


def test_services_chart_is_a_bar_chart_reading_the_chart_sheet(wh, tmp_path):
    wb = workbook(wh, tmp_path, "services")
    ws = wb["Chart"]
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    assert isinstance(chart, BarChart) and chart.type == "bar"
    vals, cats = _series_refs(chart)
    assert vals == ["'Chart'!$B$2:$B$7"] and cats == ["'Chart'!$A$2:$A$7"]
    rows = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 8)}
    assert rows["General Service: Floating Support"] == pytest.approx(4380.0)
    assert ws.cell(2, 2).number_format == "£#,##0.00"


def test_top_clients_chart_is_bars_per_client(wh, tmp_path):
    wb = workbook(wh, tmp_path, "top-clients", "--from", "2024-02-01", "--to", "2024-02-29")
    chart = wb["Chart"]._charts[0]
    assert isinstance(chart, BarChart)
    ws = wb["Chart"]
    assert [ws.cell(r, 1).value for r in range(2, 6)] == ["C00000002", "C00000004", "C00000003", "C00000001"]
    assert ws.cell(2, 2).value == pytest.approx(29 * 20)
    vals, _ = _series_refs(chart)
    assert vals == ["'Chart'!$B$2:$B$5"]


def test_ta_comparison_chart_is_grouped_bars_of_two_series(wh, tmp_path):
    wb = workbook(wh, tmp_path, "ta-comparison")
    chart = wb["Chart"]._charts[0]
    assert isinstance(chart, BarChart) and chart.grouping == "clustered"
    vals, cats = _series_refs(chart)
    assert len(vals) == 2
    ws = wb["Chart"]
    assert [ws.cell(1, 2).value, ws.cell(1, 3).value] == ["Ever in TA", "All others"]
    n = ws.max_row
    assert vals == [f"'Chart'!$B$2:$B${n}", f"'Chart'!$C$2:$C${n}"]
    assert "(all services)" not in [ws.cell(r, 1).value for r in range(2, n + 1)]


def test_one_client_by_month_is_a_line(wh, tmp_path):
    wb = workbook(wh, tmp_path, "client", "C00000002", "--by", "month")
    chart = wb["Chart"]._charts[0]
    assert isinstance(chart, LineChart)
    ws = wb["Chart"]
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert [ws.cell(r, 2).value for r in range(2, 5)] == pytest.approx([17 * 20, 29 * 20, 15 * 20])
    report = wb["Report"]
    dates = [c for c in report[2] if c.number_format == "dd/mm/yyyy"]
    assert dates and dates[0].value.date() == date(2024, 1, 1)


def test_about_sheet_names_period_filters_extracts_build_and_suppression(wh, tmp_path):
    wb = workbook(wh, tmp_path, "services", "--from", "2024-01-01", "--to", "2024-03-31",
                  "--exclude-service-type", "Equipment")
    about = {r[0]: r[1] for r in wb["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Period"] == "01/01/2024 to 31/03/2024 (both days included)"
    assert about["Filter: exclude service types"] == "Equipment"
    assert about["Data extracted: Temporary Accommodation"] == "up to 31/03/2024 (3 files loaded)"
    assert about["Data extracted: Adult Social Care"] == "up to 15/03/2024 (1 file loaded)"
    assert about["Built"].startswith("build 7, published ")
    assert "Produced" in about
    assert about["Suppression"].startswith("Small numbers are not suppressed: the disclosure threshold is 1")


def test_text_cells_cannot_run_as_formulas(tmp_path):
    wh = build_render_marts(tmp_path / "wh.duckdb", service_use=hostile_service_use())
    wb = workbook(wh, tmp_path, "services")
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'" + HOSTILE_TYPE in texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    assert any(HOSTILE_SERVICE in t for t in texts)  # shown as it is (Excel never runs <script>)
    for ws in wb:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)
    assert "Entitlement[31m red" in texts  # control characters dropped, the rest kept


def test_suppressed_cells_show_the_threshold_and_leave_the_chart(wh):
    con = reports.connect_published(wh)
    try:
        report = reports.services(con)
        provenance = render.read_provenance(con)
    finally:
        con.close()
    row = report.frame.index[report.frame["service"] == "General Service"][0]
    report.frame.loc[row, ["clients", "cost"]] = None
    report.suppressed = {(int(row), "clients"), (int(row), "cost")}
    report.disclosure = "Counts of fewer than 5 clients are withheld, with the amounts they would reveal."
    report.threshold = 5
    assert suppressed_label(report) == "<5"
    import io
    wb = openpyxl.load_workbook(io.BytesIO(render.format_xlsx(report, provenance)))
    ws = wb["Report"]
    headers = [c.value for c in ws[1]]
    cells = [ws.cell(int(row) + 2, headers.index(c) + 1).value for c in ("clients", "cost")]
    assert cells == ["<5", "<5"]
    chart_rows = {wb["Chart"].cell(r, 1).value: wb["Chart"].cell(r, 2).value
                  for r in range(2, wb["Chart"].max_row + 1)}
    assert chart_rows["General Service: Floating Support"] is None  # a gap, not a zero
    about = {r[0]: r[1] for r in wb["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Suppression"] == report.disclosure


def test_output_is_required_for_xlsx_and_html(wh):
    for fmt in ("xlsx", "html"):
        out = run(wh, "services", "--format", fmt, code=2)
        assert "give --output FILE" in out


def test_output_refuses_a_symlink_a_folder_and_a_fifo(wh, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.xlsx"
    link.symlink_to(victim)
    out = run(wh, "services", "--format", "xlsx", "--output", str(link), code=1)
    assert "symbolic link" in out and victim.read_text() == "keep me" and link.is_symlink()
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    out = run(wh, "services", "--format", "xlsx", "--output", str(fifo), code=1)
    assert "not a regular file" in out
    out = run(wh, "services", "--format", "html", "--output", str(tmp_path / "nowhere" / "r.html"), code=1)
    assert "does not exist" in out


def test_output_replaces_an_existing_file_whole(wh, tmp_path):
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old")
    run(wh, "needs", "--format", "xlsx", "--output", str(target))
    assert openpyxl.load_workbook(target).sheetnames[0] == "Report"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_one_client_by_year_is_a_line_labelled_by_year(wh, tmp_path):
    wb = workbook(wh, tmp_path, "client", "C00000001", "--by", "year", "--from", "2023-06-01", "--to", "2024-12-31")
    ws = wb["Chart"]
    assert isinstance(ws._charts[0], BarChart)  # one year with spend: bars by service
    wb = workbook(wh, tmp_path, "client", "C00000003", "--by", "year")
    ws = wb["Chart"]
    assert isinstance(ws._charts[0], LineChart)
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == ["2023", "2024"]
    assert [ws.cell(r, 2).value for r in range(2, 4)] == pytest.approx([31 * 10, 60 * 10])


def _report(name, frame, kinds):
    import pandas as pd

    from costcalc.reports import Report, ReportFilters

    return Report(name=name, title="t", period_from=date(2024, 4, 1), period_to=date(2025, 3, 31),
                  filters=ReportFilters(), frame=pd.DataFrame(frame), kinds=kinds)


def test_any_report_over_periods_is_a_line_named_by_its_own_period_labels():
    """A report with its own bucket names (e.g. services --by quarter: a `period` column) and
    one with a single period and no chart of its own (bars by its text)."""
    from costcalc.reports.render.charts import chart_for
    from costcalc.reports.results import DATE, MONEY, TEXT

    kinds = {"period": TEXT, "period_from": DATE, "service": TEXT, "cost": MONEY}
    rep = _report("services", {"period": ["Q2 2024", "Q2 2024", "Q3 2024"],
                               "period_from": [date(2024, 4, 1), date(2024, 4, 1), date(2024, 7, 1)],
                               "service": ["A", "B", "A"], "cost": [1.0, 2.0, 3.0]}, kinds)
    chart = chart_for(rep)
    assert chart.kind == "line" and chart.categories == ("Q2 2024", "Q3 2024")
    assert [(s.name, s.values) for s in chart.series] == [("A", (1.0, 3.0)), ("B", (2.0, 0.0))]
    rep.frame.loc[2, "cost"] = None
    rep.suppressed = {(2, "cost")}
    assert [s.values for s in chart_for(rep).series] == [(1.0, None), (2.0, 0.0)]
    one = _report("client-records", {"period_from": [date(2024, 4, 1)] * 2, "service_use_id": ["C1-1", "C1-2"],
                                     "service": ["A", "B"], "cost": [5.0, 7.0]},
                  {"period_from": DATE, "service_use_id": TEXT, "service": TEXT, "cost": MONEY})
    chart = chart_for(one)
    assert chart.kind == "bar" and chart.categories == ("C1-2: B", "C1-1: A")
