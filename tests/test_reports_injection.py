"""Hostile filter values: every one reaches DuckDB as a parameter, matches nothing, breaks nothing."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from costcalc import reports
from costcalc.cli import main
from costcalc.reports import ClientNotFound, ReportFilters
from reports_marts_helper import build_marts, table_counts

HOSTILE = [
    "x'; DROP TABLE marts.dim_client; --",
    "' OR 1=1 --",
    "' OR '1'='1",
    "\"; DELETE FROM marts.fct_service_use; --",
    "Home Care') OR ('a'='a",
    "%",
    "_",
    "*",
    "Robert'); DROP SCHEMA marts CASCADE;--",
]

TEXT_FILTERS = ["service_types", "services", "with_memberships", "needs", "all_service_types", "all_needs"]
EXCLUDE_FILTERS = ["exclude_service_types", "exclude_services", "without_memberships"]


class RecordingConnection:
    """Passes calls to a real connection, keeping the SQL text it was given."""

    def __init__(self, con):
        self.con = con
        self.sql: list[str] = []

    def execute(self, sql, params=None):
        self.sql.append(sql)
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)


@pytest.fixture(scope="module")
def hostile_wh(tmp_path_factory):
    # shared: the reports open it read-only, and every test checks it is unchanged
    return build_marts(tmp_path_factory.mktemp("hostile") / "wh.duckdb")


def run_all(con, f: ReportFilters):
    return [reports.top_clients(con, f), reports.services(con, f), reports.ta_comparison(con, f),
            reports.client_breakdown(con, "C00000002", f), reports.client_records(con, "C00000002", f),
            reports.services(con, f, by="financial-year"), reports.client_breakdown(con, "C00000002", f, by="quarter")]


@pytest.mark.parametrize("field", TEXT_FILTERS)
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_include_filter_matches_nothing(hostile_wh, field, value):
    before = table_counts(hostile_wh)
    con = reports.connect(hostile_wh)
    rec = RecordingConnection(con)
    try:
        for rep in run_all(rec, ReportFilters(**{field: (value,)})):
            if rep.name == "ta-comparison":
                assert all(r["ta_users"] == 0 and r["other_users"] == 0 for r in rep.rows)
            else:
                assert rep.rows == [], (rep.name, value)
    finally:
        con.close()
    assert rec.sql and (len(value) < 3 or not any(value in sql for sql in rec.sql))
    assert table_counts(hostile_wh) == before


@pytest.mark.parametrize("field", EXCLUDE_FILTERS)
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_exclude_filter_excludes_nothing(hostile_wh, field, value):
    before = table_counts(hostile_wh)
    con = reports.connect(hostile_wh)
    rec = RecordingConnection(con)
    try:
        got = reports.top_clients(rec, ReportFilters(**{field: (value,)}), limit=100)
        plain = reports.top_clients(con, ReportFilters(), limit=100)
        assert got.rows == plain.rows
    finally:
        con.close()
    assert len(value) < 3 or not any(value in sql for sql in rec.sql)
    assert table_counts(hostile_wh) == before


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_client_id_is_just_an_unknown_client(hostile_wh, value):
    before = table_counts(hostile_wh)
    con = reports.connect(hostile_wh)
    try:
        with pytest.raises(ClientNotFound):
            reports.client_breakdown(con, value)
        with pytest.raises(ClientNotFound):
            reports.client_records(con, value)
    finally:
        con.close()
    assert table_counts(hostile_wh) == before


@pytest.mark.parametrize("value", HOSTILE[:3])
def test_hostile_values_on_the_command_line(hostile_wh, value):
    before = table_counts(hostile_wh)
    runner = CliRunner()
    for args in (["report", "services", "--service-type", value],
                 ["report", "top-clients", "--with", value, "--need", value, "--service", value],
                 ["report", "ta-comparison", "--exclude-service-type", value, "--without", value],
                 ["report", "services", "--by", "month", "--all-service-type", value, "--all-need", value],
                 ["report", "client", "C00000002", "--records", "--all-service-type", value],
                 ["report", "client", value]):
        res = runner.invoke(main, ["--warehouse", str(hostile_wh), *args, "--format", "json"])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.output
        if args[1] == "client" and args[2] == value:
            assert res.exit_code == 1 and "No client" in res.output
        else:
            assert res.exit_code == 0, res.output
    bad_date = runner.invoke(main, ["--warehouse", str(hostile_wh), "report", "services", "--from", value])
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    bad_by = runner.invoke(main, ["--warehouse", str(hostile_wh), "report", "services", "--by", value])
    assert bad_by.exit_code == 2 and "Invalid value for '--by'" in bad_by.output
    assert table_counts(hostile_wh) == before


def test_numbers_and_dates_are_parameters_too(hostile_wh):
    con = reports.connect(hostile_wh)
    rec = RecordingConnection(con)
    try:
        f = ReportFilters(date_from=date(2024, 2, 1), date_to=date(2024, 2, 29), min_age=19, max_age=71,
                          ever_temporary_accommodation=True)
        reports.top_clients(rec, f, limit=7)
        reports.services(rec, f, by="financial-year")
        reports.client_records(rec, "C00000004", f, by="month")
    finally:
        con.close()
    joined = "\n".join(rec.sql)
    for literal in ("2024", "19", "71", "7\n", "LIMIT 7"):
        assert literal not in joined


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_household_id_is_just_an_unknown_household(hostile_wh, value):
    from costcalc.reports.households import household_breakdown

    before = table_counts(hostile_wh)
    con = reports.connect(hostile_wh)
    rec = RecordingConnection(con)
    try:
        with pytest.raises(reports.ReportError, match="No household"):
            household_breakdown(rec, value)
    finally:
        con.close()
    assert rec.sql and (len(value) < 3 or not any(value in sql for sql in rec.sql))
    assert table_counts(hostile_wh) == before


def test_household_filter_numbers_are_parameters(hostile_wh):
    from costcalc.reports.households import top_households

    con = reports.connect(hostile_wh)
    rec = RecordingConnection(con)
    try:
        f = ReportFilters(household_size_min=37, household_size_max=4111, household_with_children=False)
        for rep in (*run_all(rec, f), top_households(rec, f, limit=9)):
            assert rep is not None
    finally:
        con.close()
    joined = "\n".join(rec.sql)
    for literal in ("37", "4111", "LIMIT 9"):
        assert literal not in joined
