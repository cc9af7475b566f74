"""`costcalc loads`: every load, who made it and when, its counts and status, whether it
was unloaded or purged; filters; table, CSV and JSON, every cell safe. DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from costcalc.lookup import default_user
from helpers.engines import Engine

HEADER = ["extref", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "costfrequency",
          "servicedesc"]
ROW = ["G1", "TW3 1AB", "Ann", "Adams", "01/01/1970", "01/01/2024", "31/01/2024", "10", "Daily", "Support"]
BAD = ["G2", "TW3 1AB", "Ann", "Adams", "31/02/1970", "01/01/2024", "31/01/2024", "10", "Daily", "Support"]
HOSTILE_NAME = "=cmd|' \x1b[2Jx.csv"
DUCKDB = Engine("duckdb")


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def invoke(engine, wh, *args):
    with engine.selected():
        return CliRunner().invoke(main, ["--warehouse", str(wh), "loads", *args])


@pytest.fixture
def history(fresh_engine, tmp_path):
    """Three loads: housing_needs (loaded, later unloaded), adult_social_care (rejected), and a
    file with a hostile name (loaded)."""
    engine, wh = fresh_engine, tmp_path / "wh.duckdb"
    with engine.selected():
        assert load_file(wh, write_csv(tmp_path / "ta.csv", [ROW]), schema="GS00",
                         provider="housing_needs").status == "loaded"
        assert load_file(wh, write_csv(tmp_path / "asc.csv", [BAD]), schema="GS00",
                         provider="adult_social_care").status == "rejected"
        assert load_file(wh, write_csv(tmp_path / HOSTILE_NAME, [ROW[:1] + ["TW5 6JL"] + ROW[2:]]),
                         schema="GS00", provider="housing_needs").status == "loaded"
        res = CliRunner().invoke(main, ["--warehouse", str(wh), "unload", "1", "--reason",
                                        "Sent to the wrong folder, ticket 77"])
        assert res.exit_code == 0, res.output
    return engine, wh


def test_every_load_is_listed_with_who_when_counts_status_and_unload(history):
    engine, wh = history
    res = invoke(engine, wh, "--format", "json")
    assert res.exit_code == 0, res.output
    loads = json.loads(res.output)["loads"]
    if engine.name == "postgres":
        con = engine.open(wh)
        who = con.execute("SELECT session_user").fetchall()[0][0]
        con.close()
    else:
        who = default_user()
    assert [(r["load_id"], r["provider"], r["loaded_by"], r["rows_read"], r["rows_accepted"], r["rows_rejected"],
             r["status"]) for r in loads] == [
        (1, "housing_needs", who, 1, 1, 0, "unloaded"),
        (2, "adult_social_care", who, 1, 0, 1, "rejected"),
        (3, "housing_needs", who, 1, 1, 0, "loaded")]
    assert [r["source_file"] for r in loads] == ["ta.csv", "asc.csv", HOSTILE_NAME]
    assert loads[0]["unloaded_by"] == who and loads[0]["unload_reason"] == "Sent to the wrong folder, ticket 77"
    assert loads[1]["unloaded_at"] is None and loads[1]["purged"] == {}
    assert dt.datetime.fromisoformat(loads[0]["loaded_at"]).date() == dt.date.today()

    table = invoke(engine, wh)
    assert table.exit_code == 0
    assert "\x1b" not in table.output  # a file name's escape sequence never reaches the terminal
    lines = table.output.splitlines()
    assert lines[2].split() == ["load", "loaded", "at", "provider", "file", "file", "type", "by", "read", "accepted",
                                "rejected", "status", "unloaded", "purged"]
    assert "unloaded" in lines[4] and "by " + who + ": Sent to the wrong folder" in lines[4]
    assert "3 loads" in table.output

    rows = list(csv.reader(invoke(engine, wh, "--format", "csv").output.splitlines()))
    assert rows[0][:4] == ["load_id", "loaded_at", "provider", "source_file"]
    assert rows[3][3].startswith("'=cmd|'")  # a spreadsheet shows the name, never runs it
    assert "\x1b" not in rows[3][3]


def test_the_filters(history):
    engine, wh = history
    ids = lambda *args: [r["load_id"] for r in json.loads(invoke(engine, wh, "--format", "json", *args).output)["loads"]]  # noqa: E731
    assert ids("--provider", "Housing Needs") == [1, 3]  # folder names match as the watcher matches them
    assert ids("--provider", "adult-social-care") == [2]
    assert ids("--provider", "nobody") == []
    assert ids("--status", "rejected") == [2]
    assert ids("--status", "UNLOADED") == [1]
    today = dt.date.today()
    assert ids("--since", (today - dt.timedelta(days=1)).isoformat()) == [1, 2, 3]
    assert ids("--since", (today + dt.timedelta(days=1)).strftime("%d/%m/%Y")) == []
    assert ids("--since", today.isoformat(), "--provider", "housing_needs", "--status", "loaded") == [3]


@pytest.mark.parametrize("args, message", [
    (["--since", "garbage"], "'garbage' is not a date"),
    (["--since", "31/02/2024"], "'31/02/2024' is not a date"),
    (["--since", "2024-13-01; DROP TABLE raw.load_log"], "is not a date"),
    (["--status", "deleted"], "'deleted' is not one of"),
    (["--format", "xml"], "'xml' is not one of"),
])
def test_bad_options_are_refused_with_a_message(tmp_path, args, message):
    wh = tmp_path / "wh.duckdb"
    with DUCKDB.selected():
        load_file(wh, write_csv(tmp_path / "ta.csv", [ROW]), schema="GS00")
    res = invoke(DUCKDB, wh, *args)
    assert res.exit_code == 2 and message in res.output, res.output
    assert "Traceback" not in res.output


def test_no_warehouse_is_a_message_and_nothing_is_created(tmp_path):
    res = invoke(DUCKDB, tmp_path / "none.duckdb")
    assert res.exit_code == 1 and "No warehouse at" in res.output
    assert not (tmp_path / "none.duckdb").exists()


def test_a_warehouse_made_before_loaded_by_and_the_governance_tables_is_listed(tmp_path):
    wh = tmp_path / "wh.duckdb"
    with DUCKDB.selected():
        load_file(wh, write_csv(tmp_path / "ta.csv", [ROW]), schema="GS00")
    con = DUCKDB.open(wh)
    con.execute("ALTER TABLE raw.load_log DROP COLUMN loaded_by")
    for t in ("unload_log", "purged_items", "purge_log"):
        con.execute(f"DROP TABLE raw.{t}")
    con.close()
    res = invoke(DUCKDB, wh)  # read-only: lists what there is, migrates nothing
    assert res.exit_code == 0, res.output
    assert "ta.csv" in res.output and "1 load;" in res.output
    with DUCKDB.selected():  # the next load migrates: the column and the tables come back
        load_file(wh, write_csv(tmp_path / "ta2.csv", [ROW[:1] + ["TW5 6JL"] + ROW[2:]]), schema="GS00")
    loads = json.loads(invoke(DUCKDB, wh, "--format", "json").output)["loads"]
    assert [r["loaded_by"] for r in loads] == [None, default_user()]
