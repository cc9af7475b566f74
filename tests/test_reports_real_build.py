"""The reports and lookup against the real pipeline: CSVs -> load_file -> dbt build -> marts.

One small build per module (dbt is slow to start); the figures are the same as
the hand-made marts of reports_marts_helper, so both routes must agree.
"""

from __future__ import annotations

import csv
from datetime import date

import duckdb
import pytest
from click.testing import CliRunner

from costcalc import reports
from costcalc.ingest import landing
from costcalc.reports import ReportFilters
from costcalc.transform import build as build_mod
from costcalc.warehouse.restricted_store import restricted_path

FILES = {
    "ta_2024.csv": ("H01A", "temporary_accommodation", [
        ["pin", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "proptype"],
        ["P1", "TW3 1AB", "Ann", "Example", "03/03/1984", "01/01/2024", "31/01/2024", "350", "Self-contained"],
        ["P4", "TW7 4HJ", "Dan", "Other", "07/07/2005", "28/02/2024", "01/03/2024", "560", "Bed and Breakfast"],
    ]),
    "asc_2024.csv": ("ASC01", "adult_social_care", [
        ["ascid", "postcode", "firstname", "surname", "dob", "start", "end", "cost", "frequency", "servicetype",
         "primarysupportreasoncategory", "carepackagelineitemid"],
        ["A1", "TW3 1AB", "Ann", "Example", "03/03/1984", "29/02/2024", "29/02/2024", "100", "One-off",
         "Equipment", "Physical Support", "L1"],
        ["A2", "EF3 4GH", "Bob", "Sample", "01/06/1954", "15/01/2024", "15/03/2024", "140", "Weekly",
         "Home Care", "Learning Disability", "L2"],
    ]),
    "hb_2024.csv": ("RB01", "housing_benefit", [
        ["housing_benefit_claim_reference_number", "claimants_postcode", "claimants_first_forename",
         "claimants_surname", "claimants_date_of_birth", "hb_claim_entitlement_start_date", "snapshot_date",
         "weekly_housing_benefit_entitlement"],
        ["R1", "TW5 6JL", "Cat", "Person", "05/05/1999", "01/12/2023", "29/02/2024", "70"],
        ["R2", "TW7 4HJ", "Dan", "Other", "07/07/2005", "01/02/2024", "29/02/2024", "49"],
    ]),
    "switch.csv": ("RB03", "housing_benefit_switch", [
        ["claimno", "nino", "firstname", "lastname", "dob", "postcode"],
        ["S1", "QQ123456C", "Cat", "Person", "05/05/1999", "TW5 6JL"],
    ]),
    "tf.csv": ("TF01", "troubled_families", [
        ["individualid", "firstname", "lastname", "dob", "postcode"],
        ["T1", "Bob", "Sample", "01/06/1954", "EF3 4GH"],
    ]),
    "general_2023.csv": ("GS00", "general_service", [
        ["extref", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "costfrequency",
         "servicedesc"],
        ["G1", "LM9 9NP", "Eve", "Last", "01/01/1960", "01/01/2023", "31/12/2023", "365", "Monthly",
         "Floating Support"],
    ]),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("real_build")
    wh = root / "wh.duckdb"
    for name, (schema, file_type, rows) in FILES.items():
        path = root / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        res = landing.load_file(wh, path, schema=schema, file_type=file_type, extract_date=date(2024, 2, 29))
        assert res.status == "loaded" and res.rows_rejected == 0, res.message
    result = build_mod.build(wh, target_path=root / "dbt_target")
    assert result.success, result.summary()
    con = duckdb.connect(str(restricted_path(wh)), read_only=True)  # the restricted layer's own file
    ids = dict(con.execute(
        "SELECT reference, client_id FROM identity_records WHERE reference IN ('P1','A2','R1','P4','G1')"
    ).fetchall())
    con.close()
    return wh, {"ann": ids["P1"], "bob": ids["A2"], "cat": ids["R1"], "dan": ids["P4"], "eve": ids["G1"]}


def by_client(con, f: ReportFilters) -> dict[str, float]:
    return {r["client_id"]: r["cost"] for r in reports.top_clients(con, f, limit=100).rows}


def test_real_build_costs_at_the_boundaries(built):
    wh, c = built
    con = reports.connect(wh)
    try:
        day = lambda d: by_client(con, ReportFilters(date_from=d, date_to=d))  # noqa: E731
        assert day(date(2024, 1, 1))[c["ann"]] == pytest.approx(50)
        assert day(date(2024, 1, 31))[c["ann"]] == pytest.approx(50)
        leap = day(date(2024, 2, 29))
        assert leap[c["ann"]] == pytest.approx(100)                 # the one-off
        assert leap[c["dan"]] == pytest.approx(80 + 7)
        assert leap[c["cat"]] == pytest.approx(10)
        assert leap[c["bob"]] == pytest.approx(20)
        assert c["cat"] not in day(date(2024, 3, 1))                 # ongoing claim ends at its last snapshot
        feb = by_client(con, ReportFilters(date_from=date(2024, 2, 1), date_to=date(2024, 2, 28)))
        assert c["ann"] not in feb                                   # one-off outside the period
        whole = by_client(con, ReportFilters())
        assert whole == pytest.approx({c["ann"]: 1650, c["bob"]: 1220, c["cat"]: 910, c["dan"]: 443,
                                       c["eve"]: 4380})
    finally:
        con.close()


def test_real_build_whole_months_equal_fct_cost_monthly(built):
    wh, _ = built
    con = reports.connect(wh)
    try:
        months = [m for (m,) in con.execute("SELECT DISTINCT month FROM marts.fct_cost_monthly ORDER BY 1").fetchall()]
        assert len(months) >= 12
        for m in months:
            nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
            f = ReportFilters(date_from=m, date_to=date.fromordinal(nxt.toordinal() - 1))
            expected = {(s, t): v for s, t, v in con.execute(
                "SELECT service, service_type, sum(cost) FROM marts.fct_cost_monthly WHERE month = ? "
                "GROUP BY ALL HAVING sum(cost) <> 0", [m]).fetchall()}
            got = {(r["service"], r["service_type"]): r["cost"] for r in reports.services(con, f, exact=True).rows
                   if r["cost"] != 0}
            assert got.keys() == expected.keys(), m
            for key, value in expected.items():
                assert got[key] == pytest.approx(float(value), abs=1e-6), (m, key)
        # and a multi-month period is the sum of its months
        f = ReportFilters(date_from=date(2023, 12, 1), date_to=date(2024, 3, 31))
        total = sum(r["cost"] for r in reports.services(con, f, exact=True).rows)
        expected = con.execute("SELECT sum(cost) FROM marts.fct_cost_monthly WHERE month BETWEEN ? AND ?",
                               [date(2023, 12, 1), date(2024, 3, 1)]).fetchone()[0]
        assert total == pytest.approx(float(expected), abs=1e-6)
    finally:
        con.close()


def test_real_build_pool_filters(built):
    wh, c = built
    con = reports.connect(wh)
    try:
        assert set(by_client(con, ReportFilters(ever_temporary_accommodation=True))) == {c["ann"], c["dan"]}
        assert set(by_client(con, ReportFilters(with_memberships=("Troubled Families",)))) == {c["bob"]}
        assert set(by_client(con, ReportFilters(housing_benefit_switch=True))) == {c["cat"]}
        assert set(by_client(con, ReportFilters(needs=("learning disability",)))) == {c["bob"]}
        rows = reports.ta_comparison(con, ReportFilters(date_from=date(2024, 1, 1), date_to=date(2024, 3, 31)),
                                     exact=True).rows
        total = rows[-1]
        assert (total["ta_clients"], total["other_clients"]) == (2, 2)
    finally:
        con.close()


def test_real_build_lookup_is_audited(built, tmp_path):
    from costcalc.cli import main
    wh, c = built
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(wh.read_bytes())   # the module's warehouse stays read-only for the other tests
    restricted_path(copy).write_bytes(restricted_path(wh).read_bytes())
    res = CliRunner().invoke(main, ["--warehouse", str(copy), "lookup", c["ann"],
                                    "--reason", "Checking the TA placement for case 77", "--user", "caseworker1",
                                    "--purpose", "A", "--case-reference", "TA-77-2024"])
    assert res.exit_code == 0, res.output
    assert "Example" in res.output and "P1" in res.output and "A1" in res.output
    con = duckdb.connect(str(restricted_path(copy)), read_only=True)
    try:
        from costcalc.lookup import default_user
        assert con.execute("SELECT looked_up_by, claimed_user, client_id, records_shown "
                           "FROM audit.lookup_log").fetchall() == [(default_user(), "caseworker1", c["ann"], 2)]
        has_links = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'"
                                " AND table_name = 'match_links'").fetchone()[0]
    finally:
        con.close()
    if has_links:   # the matching models' evidence: Ann's two records are linked by a rule
        assert "linked_by" in res.output and "Match evidence" in res.output
