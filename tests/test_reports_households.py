"""Household reports and household filters on hand-built marts (tests/reports_marts_helper.py),
with costs worked out by hand: Jan-Mar 2024.

H1 = C1 + C4: C1 TA 31 days x 50 + one-off 100 = 1,650; C4 TA 3 x 80 + HB 29 x 7 = 443 -> 2,093.
H2 = C2 + C5: C2 home care 15 Jan-15 Mar 2024, 61 x 20 = 1,220 (C5 has no costs).
H3 = C3: HB 1 Jan-29 Feb 2024, 60 x 10 = 600.   C6 has no household.
"""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from costcalc import reports
from costcalc.cli import main
from costcalc.reports import ReportError, ReportFilters
from costcalc.reports.households import household_breakdown, top_households
from reports_marts_helper import build_marts

Q1 = dict(date_from=date(2024, 1, 1), date_to=date(2024, 3, 31))


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    return build_marts(tmp_path_factory.mktemp("households") / "wh.duckdb")


@pytest.fixture
def con(wh):
    c = reports.connect(wh)
    yield c
    c.close()


def test_top_households_adds_up_each_households_members(con):
    rep = top_households(con, ReportFilters(**Q1))
    got = [(r["household_id"], r["size"], r["members_costed"], r["children"], r["ever_ta"], round(r["cost"], 6))
           for r in rep.rows]
    assert got == [("H00000001", 2, 2, "no", "yes", 2093.0), ("H00000002", 2, 1, "yes", "no", 1220.0),
                   ("H00000003", 1, 1, "no", "no", 600.0)]
    assert [r["rank"] for r in rep.rows] == [1, 2, 3]
    assert [r["household_id"] for r in top_households(con, ReportFilters(**Q1), limit=1).rows] == ["H00000001"]


def test_household_filters_choose_households_and_clients(con):
    with_children = ReportFilters(**Q1, household_with_children=True)
    assert [r["household_id"] for r in top_households(con, with_children).rows] == ["H00000002"]
    assert [r["client_id"] for r in reports.top_clients(con, with_children).rows] == ["C00000002"]
    without = ReportFilters(**Q1, household_with_children=False)
    # C6 has no household: it never lived in one with children
    assert sorted(r["client_id"] for r in reports.top_clients(con, without).rows) == [
        "C00000001", "C00000003", "C00000004"]
    big = ReportFilters(**Q1, household_size_min=2)
    assert sorted(r["client_id"] for r in reports.top_clients(con, big).rows) == [
        "C00000001", "C00000002", "C00000004"]
    small = ReportFilters(**Q1, household_size_max=1)
    assert [r["household_id"] for r in top_households(con, small).rows] == ["H00000003"]
    services = reports.services(con, small, exact=True)
    assert {r["service"] for r in services.rows} == {"Housing Benefit"}
    assert round(sum(r["cost"] for r in services.rows), 6) == 600.0


def test_household_report_by_member_and_service(con):
    rep = household_breakdown(con, "H00000001", ReportFilters(**Q1))
    got = [(r["client_id"], r["service"], r["service_type"], r["records"], r["days"], round(r["cost"], 6),
            r["member_to"]) for r in rep.rows]
    assert got == [
        ("C00000001", "Adult Social Care", "Equipment", 1, 1, 100.0, None),
        ("C00000001", "Temporary Accommodation", "Self-contained", 1, 31, 1550.0, None),
        ("C00000004", "Housing Benefit", "Housing Benefit Entitlement", 1, 29, 203.0, None),
        ("C00000004", "Temporary Accommodation", "Bed and Breakfast", 1, 3, 240.0, None),
    ]
    assert "2 member(s)" in rep.notes[1] and "to now" in rep.notes[1]
    table = reports.format_report(rep, "table")
    assert "Total" in table and "£2,093.00" in table
    with pytest.raises(ReportError, match="No household"):
        household_breakdown(con, "H99999999")


def test_household_commands(wh):
    runner = CliRunner()
    res = runner.invoke(main, ["--warehouse", str(wh), "report", "top-households", "--from", "2024-01-01",
                               "--to", "2024-03-31", "--household-with-children", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].startswith("rank,household_id,size")
    assert "H00000002" in res.output and "H00000001" not in res.output
    res = runner.invoke(main, ["--warehouse", str(wh), "report", "household", "H00000003", "--format", "json"])
    assert res.exit_code == 0 and "C00000003" in res.output
    res = runner.invoke(main, ["--warehouse", str(wh), "report", "household", "H404"])
    assert res.exit_code == 1 and "No household 'H404'" in res.output
    res = runner.invoke(main, ["--warehouse", str(wh), "report", "top-clients", "--household-size-min", "0"])
    assert res.exit_code == 2 and "--household-size-min" in res.output
