"""`costcalc report ...` end to end on a real DuckDB file: formats, options, messages."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from reports_marts_helper import IDENTITY, IDENTITY_RECORDS, build_marts


@pytest.fixture()
def cli_wh(tmp_path):
    return build_marts(tmp_path / "wh.duckdb")


def run(wh, *args, code=0):
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "report", *args])
    assert res.exit_code == code, res.output
    # a report goes to stdout; stderr carries the not-for-publication notices
    return res.stdout if code == 0 else res.output


def test_table_format_shows_pounds_with_commas_and_a_total(cli_wh):
    out = run(cli_wh, "services", "--exact")
    assert "£4,380.00" in out and "£1,220.00" in out
    assert "Total" in out and "£8,603.00" in out
    assert "Period: 01/01/2023 to 15/03/2024" in out


def test_csv_is_parseable_and_unrounded(cli_wh):
    out = run(cli_wh, "top-clients", "--format", "csv", "--from", "2024-02-01", "--to", "29/02/2024")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["client_id"] for r in rows] == ["C00000002", "C00000004", "C00000003", "C00000001"]
    assert float(rows[0]["cost"]) == pytest.approx(29 * 20)
    assert set(rows[0]) == {"rank", "client_id", "age_band", "services", "records", "cost"}


def test_json_is_parseable_with_period_and_filters(cli_wh):
    out = run(cli_wh, "ta-comparison", "--format", "json", "--from", "20240101", "--to", "2024-03-31",
              "--exclude-service-type", "Equipment")
    doc = json.loads(out)
    assert doc["report"] == "ta-comparison"
    assert doc["period"] == {"from": "2024-01-01", "to": "2024-03-31"}
    assert doc["filters"] == {"exclude_service_types": ["Equipment"]}
    assert all("Equipment" != r["service_type"] for r in doc["rows"])
    assert doc["rows"][-1]["service"] == "(all services)"


def test_client_command_by_month(cli_wh):
    doc = json.loads(run(cli_wh, "client", "C00000004", "--by", "month", "--format", "json"))
    assert [(r["period_from"], r["service_type"], r["cost"]) for r in doc["rows"]] == [
        ("2024-02-01", "Housing Benefit Entitlement", pytest.approx(203)),
        ("2024-02-01", "Bed and Breakfast", pytest.approx(160)),
        ("2024-03-01", "Bed and Breakfast", pytest.approx(80)),
    ]


def test_all_filter_options_reach_the_report(cli_wh):
    doc = json.loads(run(cli_wh, "top-clients", "--format", "json", "--limit", "5",
                         "--with", "housing benefit", "--without", "troubled_families", "--ta",
                         "--not-troubled-families", "--not-hb-switch", "--min-age", "18", "--max-age", "30",
                         "--service", "Housing Benefit", "--exclude-service", "Adult Social Care",
                         "--service-type", "housing benefit entitlement", "--exclude-service-type", "x"))
    assert [r["client_id"] for r in doc["rows"]] == ["C00000004"]
    assert doc["filters"]["min_age"] == 18 and doc["filters"]["ever_temporary_accommodation"] is True
    doc = json.loads(run(cli_wh, "services", "--format", "json", "--need", "Learning Disability"))
    assert {r["service_type"] for r in doc["rows"]} == {"Home Care"}


def test_memberships_command(cli_wh):
    out = run(cli_wh, "memberships")
    assert "Troubled Families" in out and "TF01" in out
    needs = json.loads(run(cli_wh, "needs", "--format", "json"))
    assert {r["need"] for r in needs["rows"]} == {"Physical Support", "Learning Disability"}


def test_output_never_carries_identifying_details(cli_wh):
    outputs = [run(cli_wh, cmd, "--format", fmt) for cmd in ("top-clients", "services", "ta-comparison")
               for fmt in ("table", "csv", "json")]
    outputs += [run(cli_wh, "client", "C00000001", "--format", fmt) for fmt in ("table", "json")]
    personal = {v for row in IDENTITY for v in row[1:] if isinstance(v, str)}
    personal |= {row[5] for row in IDENTITY_RECORDS} | {"1984", "03/03/1984"}
    for out in outputs:
        for value in personal:
            assert value not in out


def test_messages(cli_wh, tmp_path):
    assert "No client 'C999'" in run(cli_wh, "client", "C999", code=1)
    assert "starts" in run(cli_wh, "services", "--from", "2024-02-01", "--to", "2024-01-01", code=1)
    assert "is not a date" in run(cli_wh, "services", "--from", "02/30/2024", code=2)
    assert "No warehouse" in CliRunner().invoke(
        main, ["--warehouse", str(tmp_path / "none.duckdb"), "report", "services"]).output
    import duckdb
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    res = CliRunner().invoke(main, ["--warehouse", str(empty), "report", "services"])
    assert res.exit_code == 1 and "costcalc build" in res.output
    assert "No rows" in run(cli_wh, "services", "--service-type", "nothing like this")


def test_reports_read_the_published_marts_while_a_writer_holds_the_warehouse(cli_wh):
    """Issue 10: a load or build holding the warehouse no longer stops reports
    (they read the published snapshot); lookup reads the restricted file, so it works too,
    and says "in use" only while the restricted file itself is held (a build)."""
    import subprocess
    import sys
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
         " sys.stdin.read()", str(cli_wh)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        out = run(cli_wh, "services")
        assert "Spend by service" in out and "<10" in out
        # an --exact run is logged in the restricted layer's audit (its own file): shown and logged
        exact = CliRunner().invoke(main, ["--warehouse", str(cli_wh), "report", "services", "--exact"])
        assert exact.exit_code == 0 and "£8,603.00" in exact.stdout, exact.output
        ask = ["--warehouse", str(cli_wh), "lookup", "C00000001", "--reason", "Housing case review 1234",
               "--purpose", "A", "--case-reference", "HN-2024-0113"]
        res = CliRunner().invoke(main, ask)
        assert res.exit_code == 0 and "Example" in res.output, res.output
    finally:
        holder.stdin.close()
        holder.wait()
    from costcalc.warehouse.restricted_store import restricted_path
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
         " sys.stdin.read()", str(restricted_path(cli_wh))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        # the restricted file held (a build): an --exact run cannot be logged, so nothing is shown
        held = CliRunner().invoke(main, ["--warehouse", str(cli_wh), "report", "services", "--exact"])
        assert held.exit_code == 1 and "in use" in held.output and "£8,603.00" not in held.output
        res = CliRunner().invoke(main, ask)
        assert res.exit_code == 1 and "in use" in res.output and "Example" not in res.output
    finally:
        holder.stdin.close()
        holder.wait()
