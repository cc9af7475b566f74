"""Period costing of the reports (docs/contract.md §3) on a real DuckDB file."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from costcalc import reports
from costcalc.reports import ReportError, ReportFilters
from reports_marts_helper import SERVICE_USE, build_marts, financial_year_first_days


@pytest.fixture()
def rep_con(tmp_path):
    path = build_marts(tmp_path / "wh.duckdb")
    con = reports.connect(path)
    yield con
    con.close()


def period(a: date, b: date, **kw) -> ReportFilters:
    return ReportFilters(date_from=a, date_to=b, **kw)


def by_client(con, f: ReportFilters) -> dict[str, float]:
    return {r["client_id"]: r["cost"] for r in reports.top_clients(con, f, limit=100).rows}


def test_first_and_last_day_of_a_record_are_both_included(rep_con):
    # C1: 50/day from 1 Jan to 31 Jan 2024.
    assert by_client(rep_con, period(date(2024, 1, 1), date(2024, 1, 1)))["C00000001"] == pytest.approx(50)
    assert by_client(rep_con, period(date(2024, 1, 31), date(2024, 1, 31)))["C00000001"] == pytest.approx(50)
    assert "C00000001" not in by_client(rep_con, period(date(2023, 12, 25), date(2023, 12, 31)))
    assert by_client(rep_con, period(date(2023, 12, 25), date(2024, 1, 3)))["C00000001"] == pytest.approx(150)


def test_first_and_last_day_of_the_period_are_both_included(rep_con):
    # C2: 20/day, 15 Jan to 15 Mar 2024; a period of 10..19 January holds 5 days of it.
    assert by_client(rep_con, period(date(2024, 1, 10), date(2024, 1, 19)))["C00000002"] == pytest.approx(100)
    # the whole record: 17 + 29 (leap February) + 15 days
    assert by_client(rep_con, period(date(2024, 1, 1), date(2024, 12, 31)))["C00000002"] == pytest.approx(61 * 20)


def test_one_off_counts_once_only_when_its_start_day_is_in_the_period(rep_con):
    st = ReportFilters(service_types=("Equipment",))
    inside = reports.services(rep_con, period(date(2024, 2, 29), date(2024, 2, 29), service_types=st.service_types),
                              exact=True)
    assert [(r["service_type"], r["cost"]) for r in inside.rows] == [("Equipment", pytest.approx(100))]
    wide = reports.services(rep_con, period(date(2020, 1, 1), date(2030, 1, 1), service_types=st.service_types),
                            exact=True)
    assert wide.rows[0]["cost"] == pytest.approx(100)
    for a, b in [(date(2024, 2, 1), date(2024, 2, 28)), (date(2024, 3, 1), date(2024, 3, 31))]:
        assert reports.services(rep_con, period(a, b, service_types=st.service_types)).rows == []


def test_leap_day_is_a_day(rep_con):
    # C4: 80 a night from 28 Feb to 1 Mar 2024 (28, 29 Feb and 1 Mar) and 7/day through February.
    f = period(date(2024, 2, 1), date(2024, 2, 29), services=("Temporary Accommodation",))
    assert by_client(rep_con, f)["C00000004"] == pytest.approx(160)
    f = period(date(2024, 2, 29), date(2024, 2, 29))
    costs = by_client(rep_con, f)
    assert costs["C00000004"] == pytest.approx(80 + 7)
    assert costs["C00000001"] == pytest.approx(100)      # the one-off on the leap day
    assert costs["C00000003"] == pytest.approx(10)       # ongoing housing benefit, to its extract date 29 Feb
    assert by_client(rep_con, period(date(2024, 2, 1), date(2024, 3, 31)))["C00000004"] == pytest.approx(240 + 29 * 7)


def test_ongoing_record_stops_at_its_effective_end(rep_con):
    assert "C00000003" not in by_client(rep_con, period(date(2024, 3, 1), date(2024, 3, 31)))


def test_monthly_frequency_is_by_day(rep_con):
    # C6: 365 a month => 365 * 12 / 365 = 12/day through 2023
    assert by_client(rep_con, period(date(2023, 2, 1), date(2023, 2, 28)))["C00000006"] == pytest.approx(28 * 12)
    assert by_client(rep_con, period(date(2023, 1, 1), date(2023, 12, 31)))["C00000006"] == pytest.approx(4380)


def test_default_period_is_all_time(rep_con):
    rep = reports.services(rep_con, exact=True)
    assert (rep.period_from, rep.period_to) == (date(2023, 1, 1), date(2024, 3, 15))
    expected = sum((r[12] or 0) * ((r[8] - r[7]).days + 1) + (r[13] or 0) for r in SERVICE_USE)
    assert sum(r["cost"] for r in rep.rows) == pytest.approx(expected)
    only_from = reports.services(rep_con, ReportFilters(date_from=date(2024, 3, 1)))
    assert (only_from.period_from, only_from.period_to) == (date(2024, 3, 1), date(2024, 3, 15))


def test_period_backwards_is_refused(rep_con):
    with pytest.raises(ReportError, match="starts"):
        reports.services(rep_con, period(date(2024, 2, 1), date(2024, 1, 1)))


def test_record_without_end_runs_to_the_period_end(tmp_path):
    rows = [(1, "C00000001", "GS00", "general_service", "General Service", "Visits", None,
             date(2024, 1, 10), None, True, "Daily", 3.0, 3.0, None)]
    con = reports.connect(build_marts(tmp_path / "open.duckdb", service_use=rows))
    try:
        assert by_client(con, period(date(2024, 1, 1), date(2024, 1, 31)))["C00000001"] == pytest.approx(22 * 3)
    finally:
        con.close()


def test_intermittent_is_charged_once_per_financial_year_on_its_first_day_in_it(tmp_path):
    # 500 per financial year, 10 Feb 2023 to 5 Apr 2025: four financial years, first days
    # 10 Feb 2023, 1 Apr 2023, 1 Apr 2024 and 1 Apr 2025.
    start, end = date(2023, 2, 10), date(2025, 4, 5)
    assert financial_year_first_days(start, end) == [start, date(2023, 4, 1), date(2024, 4, 1), date(2025, 4, 1)]
    rows = [(1, "C00000001", "GS00", "general_service", "General Service", "Respite", None,
             start, end, False, "Intermittent (per Financial Year)", 500.0, None, None, 500.0),
            # starting on 1 April: one charge for that year, not two
            (2, "C00000002", "GS00", "general_service", "General Service", "Respite", None,
             date(2024, 4, 1), date(2024, 4, 30), False, "Intermittent (per Financial Year)", 80.0, None, None, 80.0)]
    con = reports.connect(build_marts(tmp_path / "fy.duckdb", service_use=rows))

    def expected(a, b):
        # a client whose record overlaps the period is listed, at 0 when no first day falls in it
        return {r[1]: r[14] * sum(a <= first <= b for first in financial_year_first_days(r[7], r[8]))
                for r in rows if r[7] <= b and r[8] >= a}

    try:
        for a, b in [(date(2023, 2, 10), date(2023, 2, 10)),   # the start day alone
                     (date(2023, 2, 11), date(2023, 3, 31)),   # overlaps, but holds no first day
                     (date(2023, 3, 31), date(2023, 4, 1)),    # the year boundary, both ends included
                     (date(2024, 1, 1), date(2024, 12, 31)),   # a calendar year holds one 1 April
                     (date(2025, 4, 1), date(2025, 4, 5)),     # the last, part financial year
                     (date(2025, 4, 6), date(2026, 4, 1)),     # after the end: nothing
                     (date(2020, 1, 1), date(2030, 1, 1))]:    # all of it: four charges, and one
            got = by_client(con, period(a, b))
            assert got == pytest.approx(expected(a, b)), (a, b)
        assert by_client(con, period(date(2020, 1, 1), date(2030, 1, 1))) == pytest.approx(
            {"C00000001": 2000.0, "C00000002": 80.0})
        by_month = reports.client_breakdown(con, "C00000001", by="month").rows
        assert {r["period_from"]: r["cost"] for r in by_month if r["cost"]} == pytest.approx(
            {date(2023, 2, 10): 500.0, date(2023, 4, 1): 500.0, date(2024, 4, 1): 500.0, date(2025, 4, 1): 500.0})
    finally:
        con.close()


def test_costs_are_summed_unrounded(tmp_path):
    # 1/3 a day over 3 records: display rounding first would give 0.99 or 1.02.
    rows = [(i, "C00000001", "GS00", "general_service", "General Service", "Tiny", None,
             date(2024, 1, 1), date(2024, 1, 1), False, "Daily", 1 / 3, 1 / 3, None) for i in (1, 2, 3)]
    con = reports.connect(build_marts(tmp_path / "tiny.duckdb", service_use=rows))
    try:
        rep = reports.services(con, exact=True)
        assert rep.rows[0]["cost"] == pytest.approx(1.0, abs=1e-9)
        assert "£1.00" in reports.format_table(rep)
    finally:
        con.close()


def test_whole_month_totals_equal_fct_cost_monthly(rep_con):
    months = rep_con.execute(
        "SELECT DISTINCT month FROM marts.fct_cost_monthly ORDER BY month").fetchall()
    assert len(months) > 10
    for (m,) in months:
        nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        end = date.fromordinal(nxt.toordinal() - 1)
        expected = dict(rep_con.execute(
            "SELECT client_id, sum(cost) FROM marts.fct_cost_monthly WHERE month = ? GROUP BY client_id",
            [m]).fetchall())
        got = by_client(rep_con, period(m, end))
        assert got.keys() == expected.keys()
        for cid, cost in expected.items():
            assert got[cid] == pytest.approx(cost, abs=1e-6)


def test_client_by_month_matches_fct_cost_monthly_rows(rep_con):
    rep = reports.client_breakdown(rep_con, "C00000002", by="month")
    got = {(r["period_from"], r["service_type"]): r["cost"] for r in rep.rows}
    expected = {(m, st): c for m, st, c in rep_con.execute(
        "SELECT month, service_type, cost FROM marts.fct_cost_monthly WHERE client_id = ?", ["C00000002"]).fetchall()}
    assert set(got) == set(expected) == {(date(2024, m, 1), "Home Care") for m in (1, 2, 3)}
    for key, cost in expected.items():
        assert got[key] == pytest.approx(cost, abs=1e-6)


def test_client_by_month_and_year_split_the_period_exactly(rep_con):
    f = period(date(2024, 1, 20), date(2024, 3, 10))
    by_month = reports.client_breakdown(rep_con, "C00000002", f, by="month").rows
    assert [(r["period_from"], r["period_to"], r["days"]) for r in by_month] == [
        (date(2024, 1, 20), date(2024, 1, 31), 12),
        (date(2024, 2, 1), date(2024, 2, 29), 29),
        (date(2024, 3, 1), date(2024, 3, 10), 10),
    ]
    whole = reports.client_breakdown(rep_con, "C00000002", f).rows
    assert len(whole) == 1 and whole[0]["cost"] == pytest.approx(sum(r["cost"] for r in by_month))
    assert whole[0]["cost"] == pytest.approx(51 * 20)
    by_year = reports.client_breakdown(rep_con, "C00000003", by="year").rows
    assert [(r["period_from"], r["days"]) for r in by_year] == [(date(2023, 1, 1), 31), (date(2024, 1, 1), 60)]


def test_reports_open_the_warehouse_read_only(tmp_path):
    path = build_marts(tmp_path / "ro.duckdb")
    con = reports.connect(path)
    try:
        with pytest.raises(duckdb.Error):
            con.execute("DROP TABLE marts.dim_client")
    finally:
        con.close()
