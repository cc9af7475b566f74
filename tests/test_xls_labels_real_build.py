"""Old files as they are, end to end: 2017-layout .xls workbooks -> load_file -> dbt build
-> published marts -> reports. The service-type labels (seeds/service_type_labels.csv)
merge a type's spellings, unmapped types are listed, and the 2017 frequencies
"Intermittent (per Financial Year)" and "Every 2 weeks" are costed (docs/contract.md §3).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from click.testing import CliRunner

from costcalc import reports
from costcalc.cli import main
from costcalc.ingest import landing
from costcalc.reports import ReportFilters
from costcalc.transform.publish import build_and_publish
from xls_helpers import write_xls

D = dt.date
# The 2017 tool's column names, exactly (docs/contract.md §1).
H01A = ["pin", "address1", "address2", "address3", "address4", "postcode", "ni", "firstname", "surname", "dob",
        "residents", "startdate", "enddate", "cost", "proptype", "propsubtype"]
GS00 = ["extref", "address1", "address2", "address3", "address4", "postcode", "ni", "nhsno", "firstname", "surname",
        "dob", "startdate", "enddate", "cost", "costfrequency", "servicedesc"]


def serial(day: dt.date) -> float:
    return float((day - D(1899, 12, 30)).days)


def ta(pin, surname, start, end, weekly, proptype):
    return [pin, "1 Street", None, None, None, "TW3 1AB", None, "Ann", surname, D(1980, 1, 1), 1,
            start, end, weekly, proptype, None]


def gs(ref, surname, start, end, cost, freq, desc):
    return [ref, None, None, None, None, "TW4 5HJ", None, None, "Bob", surname, D(1970, 5, 5),
            start, end, cost, freq, desc]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("xls_build")
    wh = root / "wh.duckdb"
    ta_file = write_xls(root / "ta_2025-04-30.xls", H01A, [
        ta("P1", "Alpha", D(2024, 1, 1), D(2024, 1, 10), 70, "PSL"),
        ta("P2", "Bravo", serial(D(2024, 1, 1)), serial(D(2024, 1, 20)), 70, "Private Sector Leased Accommodation"),
        ta("P3", "Charlie", dt.datetime(2024, 2, 1), dt.datetime(2024, 2, 5), 70, " private sector  LEASED "),
        ta("P4", "Delta", D(2024, 1, 1), D(2024, 1, 7), 140, "B&B"),
        ta("P5", "Echo", D(2024, 1, 1), D(2024, 1, 7), 7, "Yurt"),
    ])
    gs_file = write_xls(root / "general_2025-04-30.xls", GS00, [
        gs("I1", "Foxtrot", D(2023, 2, 10), D(2025, 4, 5), 500, "Intermittent (per Financial Year)", "Floating Support"),
        gs("F1", "Golf", D(2024, 1, 1), D(2024, 1, 31), 140, "Every 2 weeks", "Floating Support"),
    ])
    for path, schema, file_type in ((ta_file, "H01A", "temporary_accommodation"),
                                    (gs_file, "GS00", "general_service")):
        res = landing.load_file(wh, path, schema=schema, file_type=file_type, extract_date=D(2025, 4, 30))
        assert (res.status, res.rows_rejected) == ("loaded", 0), res.message
    result = build_and_publish(wh)
    assert result.success, result.summary()
    return wh


def test_the_spellings_of_a_type_are_one_label_with_its_category(built):
    con = duckdb.connect(str(built), read_only=True)
    try:
        rows = con.execute("""select service_type_raw, service_type, service_category from marts.fct_service_use
                              where file_type = 'temporary_accommodation' order by start_date, service_type_raw""").fetchall()
    finally:
        con.close()
    assert sorted(rows) == sorted([
        ("PSL", "Private Sector Leased", "Leased accommodation"),
        ("Private Sector Leased Accommodation", "Private Sector Leased", "Leased accommodation"),
        ("private sector  LEASED", "Private Sector Leased", "Leased accommodation"),
        ("B&B", "Bed and Breakfast", "Nightly paid accommodation"),
        ("Yurt", "Yurt", None),
    ])


def test_reports_show_labels_and_filter_on_label_or_raw_type(built):
    con = reports.connect_published(built)
    try:
        f = ReportFilters(date_from=D(2024, 1, 1), date_to=D(2024, 12, 31))
        ta_rows = {r["service_type"]: float(r["cost"]) for r in reports.services(con, f, exact=True).rows
                   if r["service"] == "Temporary Accommodation"}
        # 10/day: 10 + 20 + 5 days; B&B 20/day x 7; the yurt 1/day x 7
        assert ta_rows == pytest.approx({"Private Sector Leased": 350.0, "Bed and Breakfast": 140.0, "Yurt": 7.0})
        for spelling in ("PSL", "private sector leased accommodation", "Private Sector Leased"):
            by_raw = reports.services(con, ReportFilters(date_from=f.date_from, date_to=f.date_to,
                                                         service_types=(spelling,)), exact=True).rows
            assert {r["service_type"] for r in by_raw} == {"Private Sector Leased"}
            total = sum(float(r["cost"]) for r in by_raw)
            # a raw spelling picks its own records; the label all of them
            assert total == pytest.approx({"psl": 100.0, "private sector leased accommodation": 200.0}
                                          .get(spelling.lower(), 350.0))
    finally:
        con.close()


def test_unmapped_types_are_listed_without_personal_data(built):
    res = CliRunner().invoke(main, ["--warehouse", str(built), "report", "unmapped-types", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == ["file_type,raw_service_type,records", "general_service,Floating Support,2",
                                       "temporary_accommodation,Yurt,1"]
    for personal in ("Echo", "Foxtrot", "TW3", "1980"):
        assert personal not in res.output


def test_the_2017_frequencies_load_and_cost_from_an_xls(built):
    con = reports.connect_published(built)
    try:
        freqs = dict(con.execute("select start_date, frequency from marts.fct_service_use "
                                 "where file_type = 'general_service'").fetchall())
        assert freqs == {D(2023, 2, 10): "Intermittent (per Financial Year)", D(2024, 1, 1): "Fortnightly"}

        def cost(lo, hi):
            f = ReportFilters(date_from=lo, date_to=hi, services=("General Service",))
            return {r["period"] if "period" in r else "all": float(r["cost"]) for r in reports.services(con, f, exact=True).rows}

        # Every 2 weeks: 140 / 14 = 10 a day, 31 days of January 2024
        assert cost(D(2024, 1, 1), D(2024, 1, 31)) == pytest.approx({"all": 310.0})
        # Intermittent: 500 on its first day in each financial year it overlaps (10 Feb 2023,
        # 1 Apr 2023, 1 Apr 2024, 1 Apr 2025), nothing between
        assert cost(D(2024, 4, 1), D(2024, 4, 1)) == pytest.approx({"all": 500.0})
        assert cost(D(2024, 4, 2), D(2025, 3, 31)) == pytest.approx({"all": 0.0})  # overlaps, no first day
        by_fy = reports.services(con, ReportFilters(services=("General Service",),
                                                    service_types=("Floating Support",)), by="financial-year",
                                exact=True)
        assert {r["period"]: float(r["cost"]) for r in by_fy.rows} == pytest.approx(
            {"2022-23": 500.0, "2023-24": 500.0 + 310.0, "2024-25": 500.0, "2025-26": 500.0})
    finally:
        con.close()
