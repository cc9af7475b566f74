"""`costcalc unload`: one load's rows out, in one transaction, audited; the next build
reflects it; a client left with no record has their id retired, never reused.
On DuckDB and PostgreSQL, with real files, real loads and real builds."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.governance import unload as unload_mod
from costcalc.ingest.landing import load_file
from costcalc.lookup import default_user
from costcalc.transform.publish import build_and_publish
from helpers.engines import Engine

HEADER = ["extref", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "costfrequency",
          "servicedesc"]
REASON = "Loaded into the wrong provider folder, ticket 4411"
EXTRACT = dt.date(2024, 1, 31)


def gs(extref, first, surname, dob, postcode, cost, desc="Support"):
    return [extref, postcode, first, surname, dob, "01/01/2024", "31/01/2024", str(cost), "Daily", desc]


FIRST = [gs("A1", "Ann", "Adams", "01/01/1970", "TW3 1AB", 10), gs("B1", "Ben", "Brown", "02/02/1980", "EF3 4GH", 20)]
# Adams again (a second record: she keeps her id) and Clark, who is only in this file
SECOND = [gs("A2", "Ann", "Adams", "01/01/1970", "TW3 1AB", 3, desc="Meals"),
          gs("C1", "Cat", "Clark", "03/03/1990", "TW5 6JL", 5)]
THIRD = [gs("D1", "Dan", "Dixon", "04/04/1995", "TW7 4HJ", 7)]


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def load(engine, wh, path, **kw):
    with engine.selected():
        r = load_file(wh, path, schema="GS00", file_type="general_service", extract_date=EXTRACT, **kw)
    return r


def build(engine, wh, tmp_path):
    with engine.selected():
        result = build_and_publish(wh, target_path=tmp_path / "dbt_target")
    assert result.success, result.summary()


def query(engine, wh, sql, params=None):
    con = engine.open(wh)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def invoke(engine, wh, *args):
    with engine.selected():
        return CliRunner().invoke(main, ["--warehouse", str(wh), *args])


def raw_state(engine, wh):
    """Everything an unload may change: raw rows, rejected rows, the load log, the unload log."""
    return (sorted(query(engine, wh, "SELECT _load_id, _source_row, extref FROM raw.gs00")),
            sorted(query(engine, wh, "SELECT load_id, source_row, column_name, value FROM raw.rejected_rows"),
                   key=str),
            query(engine, wh, "SELECT load_id, status FROM raw.load_log ORDER BY load_id"),
            query(engine, wh, "SELECT count(*) FROM raw.unload_log"))


def costs_by_client(engine, wh):
    return {c: float(v) for c, v in query(engine, wh, "SELECT client_id, sum(cost) FROM marts.fct_cost_monthly "
                                                      "GROUP BY client_id")}


def client_of(engine, wh, ref):
    sql = "SELECT client_id FROM restricted.identity_records WHERE reference = ?"
    if engine.name == "duckdb":  # the identities live in the restricted file beside the warehouse
        from costcalc.warehouse.restricted_store import restricted_connection

        with restricted_connection(wh, read_only=True) as con:
            rows = con.execute(sql, [ref]).fetchall()
    else:
        rows = query(engine, wh, sql, [ref])
    return rows[0][0] if rows else None


# --------------------------------------------------------------------------- the whole story


def test_unload_then_build_loses_exactly_its_costs_and_retires_the_id(fresh_engine, tmp_path):
    engine, wh = fresh_engine, tmp_path / "wh.duckdb"
    first = load(engine, wh, write_csv(tmp_path / "first.csv", FIRST))
    second = load(engine, wh, write_csv(tmp_path / "second.csv", SECOND))
    assert (first.status, second.status) == ("loaded", "loaded"), (first.message, second.message)
    build(engine, wh, tmp_path)
    before = costs_by_client(engine, wh)
    adams, brown, clark = (client_of(engine, wh, r) for r in ("A1", "B1", "C1"))
    assert client_of(engine, wh, "A2") == adams and len({adams, brown, clark}) == 3
    assert before == {adams: 310 + 93, brown: 620, clark: 155}  # 31 January days at 10, 3, 20, 5

    res = invoke(engine, wh, "unload", "2", "--reason", REASON)
    assert res.exit_code == 0, res.output
    assert "Unloaded load 2 (second.csv)" in res.output and "2 accepted rows" in res.output
    assert "costcalc build" in res.output
    assert query(engine, wh, "SELECT count(*) FROM raw.gs00 WHERE _load_id = 2") == [(0,)]
    assert query(engine, wh, "SELECT status FROM raw.load_log ORDER BY load_id") == [("loaded",), ("unloaded",)]
    who = query(engine, wh, "SELECT session_user")[0][0] if engine.name == "postgres" else default_user()
    assert query(engine, wh, "SELECT unload_id, load_id, source_file, unloaded_by, reason, rows_removed, "
                             "rejected_rows_removed FROM raw.unload_log") == [
        (1, 2, "second.csv", who, REASON, 2, 0)]

    status = invoke(engine, wh, "status")  # the published marts still show it: a build is owed
    assert status.exit_code == 3 and "Unloaded since: 1 load" in status.output, status.output
    assert "load 2: second.csv (unloaded" in status.output

    build(engine, wh, tmp_path)
    status = invoke(engine, wh, "status")
    assert "Unloaded since" not in status.output and "Build owed: no" in status.output, status.output
    after = costs_by_client(engine, wh)
    assert after == {adams: 310, brown: 620}  # exactly the second file's costs are gone
    assert sum(before.values()) - sum(after.values()) == pytest.approx(93 + 155)
    dim = {r[0] for r in query(engine, wh, "SELECT client_id FROM marts.dim_client")}
    assert dim == {adams, brown} and clark not in dim  # Clark's id is retired
    assert client_of(engine, wh, "C1") is None
    # the ledger records that Clark's record (and the second Adams record) gave up their ids
    assert sorted(query(engine, wh, "SELECT client_id, previous_client_id FROM intermediate.int_client_id_assignments "
                                    "WHERE change_reason = 'retired'")) == sorted([(adams, adams), (clark, clark)])

    # a new, different person gets a new id: the retired one is never given to anyone else
    third = load(engine, wh, write_csv(tmp_path / "third.csv", THIRD))
    assert third.status == "loaded", third.message
    build(engine, wh, tmp_path)
    dixon = client_of(engine, wh, "D1")
    assert dixon not in (adams, brown, clark)
    assert dixon > clark  # ids are handed out above every id ever given
    assert {r[0] for r in query(engine, wh, "SELECT client_id FROM marts.dim_client")} == {adams, brown, dixon}

    # the unloaded file loaded again: Adams's record rejoins her id; Clark is new, the retired id stays retired
    again = load(engine, wh, tmp_path / "second.csv")
    assert again.status == "loaded", again.message
    build(engine, wh, tmp_path)
    assert client_of(engine, wh, "A2") == adams
    clark_again = client_of(engine, wh, "C1")
    assert clark_again not in (adams, brown, clark, dixon)
    assert costs_by_client(engine, wh) == {adams: 310 + 93, brown: 620, dixon: 217, clark_again: 155}

    # the history says who unloaded what and why
    res = invoke(engine, wh, "loads", "--status", "unloaded", "--format", "json")
    assert res.exit_code == 0, res.output
    assert '"unload_reason": "' + REASON + '"' in res.output and '"source_file": "second.csv"' in res.output


def test_a_file_loaded_again_after_its_unload_is_a_new_load(fresh_engine, tmp_path):
    engine, wh = fresh_engine, tmp_path / "wh.duckdb"
    path = write_csv(tmp_path / "first.csv", FIRST)
    assert load(engine, wh, path).status == "loaded"
    assert invoke(engine, wh, "unload", str(path), "--reason", REASON).exit_code == 0
    again = load(engine, wh, path)
    assert again.status == "loaded" and again.load_id == 2, again.message  # not 'unchanged'
    assert query(engine, wh, "SELECT count(*) FROM raw.gs00") == [(2,)]


# --------------------------------------------------------------------------- naming the load


DUCKDB = Engine("duckdb")


def test_a_load_is_found_by_its_file_contents_its_name_or_its_id(tmp_path):
    wh = tmp_path / "wh.duckdb"
    path = write_csv(tmp_path / "first.csv", FIRST)
    assert load(DUCKDB, wh, path).status == "loaded"
    renamed = tmp_path / "moved_and_renamed.csv"
    renamed.write_bytes(path.read_bytes())
    con = DUCKDB.open(wh)
    try:
        assert unload_mod.find_load(con, str(renamed)).load_id == 1  # by its contents
        assert unload_mod.find_load(con, "first.csv").load_id == 1  # by the name as dropped
        assert unload_mod.find_load(con, "1").load_id == 1
    finally:
        con.close()


def test_an_unknown_load_or_a_file_never_loaded_is_one_clear_line(tmp_path):
    wh = tmp_path / "wh.duckdb"
    assert load(DUCKDB, wh, write_csv(tmp_path / "first.csv", FIRST)).status == "loaded"
    before = raw_state(DUCKDB, wh)
    never = write_csv(tmp_path / "never.csv", THIRD)
    for what, expected in (("99", "There is no load 99; `costcalc loads` lists the loads."),
                           (str(never), "never.csv was never loaded (no load has its contents)"),
                           ("nosuch.xlsx", "No load of a file named nosuch.xlsx")):
        res = invoke(DUCKDB, wh, "unload", what, "--reason", REASON)
        assert res.exit_code == 1, res.output
        assert expected in res.output
        assert len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert raw_state(DUCKDB, wh) == before
    res = invoke(DUCKDB, tmp_path / "none.duckdb", "unload", "1", "--reason", REASON)
    assert res.exit_code == 1 and "No warehouse at" in res.output
    assert not (tmp_path / "none.duckdb").exists()  # an unload never creates a warehouse


def test_a_name_loaded_twice_with_different_contents_asks_for_the_load_id(tmp_path):
    wh = tmp_path / "wh.duckdb"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert load(DUCKDB, wh, write_csv(tmp_path / "a" / "ta.csv", FIRST)).status == "loaded"
    assert load(DUCKDB, wh, write_csv(tmp_path / "b" / "ta.csv", THIRD)).status == "loaded"
    res = invoke(DUCKDB, wh, "unload", "ta.csv", "--reason", REASON)
    assert res.exit_code == 1 and "matches 2 loads (1, 2): give the load id" in res.output, res.output


@pytest.mark.parametrize("reason, why", [
    (None, "An unload needs a reason"),
    ("", "An unload needs a reason"),
    ("   \n\t ", "An unload needs a reason"),
    ("mistake", "too short"),
    ("qwertyuiop", "too short"),
    ("qwer tyuiop", "not a reason"),
    ("aaaaa aaaaaaa", "not a reason"),
    ("no reason", "too short"),
    ("test test test", "not a reason"),
    ("x" * 300 + " " + "y" * 300, "too long"),
])
def test_an_empty_or_placeholder_reason_is_refused_and_nothing_changes(tmp_path, reason, why):
    wh = tmp_path / "wh.duckdb"
    assert load(DUCKDB, wh, write_csv(tmp_path / "first.csv", FIRST)).status == "loaded"
    before = raw_state(DUCKDB, wh)
    args = ["unload", "1"] + (["--reason", reason] if reason is not None else [])
    res = invoke(DUCKDB, wh, *args)
    assert res.exit_code == 1 and why in res.output, res.output
    assert raw_state(DUCKDB, wh) == before


def test_unloading_twice_changes_nothing_the_second_time(fresh_engine, tmp_path):
    engine, wh = fresh_engine, tmp_path / "wh.duckdb"
    assert load(engine, wh, write_csv(tmp_path / "first.csv", FIRST)).status == "loaded"
    assert invoke(engine, wh, "unload", "1", "--reason", REASON).exit_code == 0
    after_first = raw_state(engine, wh)
    for what in ("1", "first.csv", str(tmp_path / "first.csv")):
        res = invoke(engine, wh, "unload", what, "--reason", REASON)
        assert res.exit_code == 1 and "was already unloaded; nothing to do" in res.output, res.output
    assert raw_state(engine, wh) == after_first
    assert query(engine, wh, "SELECT count(*) FROM raw.unload_log") == [(1,)]


def test_an_unload_interrupted_half_way_leaves_everything_as_it_was(fresh_engine, tmp_path, monkeypatch):
    engine, wh = fresh_engine, tmp_path / "wh.duckdb"
    bad = [*FIRST, ["B2", "not a postcode", "Ben", "Brown", "02/02/1980", "01/01/2024", "", "1", "Daily", "x"]]
    assert load(engine, wh, write_csv(tmp_path / "first.csv", bad), strict=False).status == "loaded"
    before = raw_state(engine, wh)
    assert before[0] and before[1]  # accepted rows and rejected rows to lose

    def crash(*args, **kwargs):  # after both deletes and the status change, before the audit row
        raise KeyboardInterrupt

    monkeypatch.setattr(unload_mod, "_record", crash)
    with engine.selected(), pytest.raises(KeyboardInterrupt):
        unload_mod.unload(wh, "1", REASON)
    assert raw_state(engine, wh) == before
    monkeypatch.undo()
    with engine.selected():
        done = unload_mod.unload(wh, "1", REASON)
    assert (done.rows_removed, done.rejected_rows_removed) == (2, len(before[1]))


def test_a_reason_with_line_breaks_and_control_characters_is_stored_and_printed_safely(fresh_engine, tmp_path):
    engine, wh = fresh_engine, tmp_path / "wh.duckdb"
    assert load(engine, wh, write_csv(tmp_path / "first.csv", FIRST)).status == "loaded"
    hostile = "=HYPERLINK(\"http://x\")\nFORGED LOG LINE \x1b[31mred\x07 wrong\r\nfile"
    res = invoke(engine, wh, "unload", "1", "--reason", hostile)
    assert res.exit_code == 0, res.output
    (stored,) = query(engine, wh, "SELECT reason FROM raw.unload_log")[0]
    assert stored == '=HYPERLINK("http://x") FORGED LOG LINE [31mred wrong file'
    assert not any(ord(c) < 32 for c in stored)
    table = invoke(engine, wh, "loads")
    assert table.exit_code == 0 and "\x1b" not in table.output and "\x07" not in table.output
    assert not any(line.startswith("FORGED") for line in table.output.splitlines())
    csv_out = invoke(engine, wh, "loads", "--format", "csv").output
    row = list(csv.reader(csv_out.splitlines()))[1]
    assert row[12] == "\'" + stored  # a spreadsheet shows it as text, never runs it


# --------------------------------------------------------------------------- a build running


def test_an_unload_while_a_build_runs_is_refused_and_changes_nothing(fresh_engine, tmp_path):
    engine, wh = fresh_engine, tmp_path / "wh.duckdb"
    assert load(engine, wh, write_csv(tmp_path / "first.csv", FIRST)).status == "loaded"
    from costcalc.transform import build_state

    with engine.selected():
        build_id, _ = build_state.start(wh)  # recorded as running ...
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # ... by a live process other than this one
        con = engine.open(wh)
        con.execute("UPDATE raw.build_log SET pid = ? WHERE build_id = ?", [sleeper.pid, build_id])
        con.close()
        before = raw_state(engine, wh)
        res = invoke(engine, wh, "unload", "1", "--reason", REASON)
        assert res.exit_code == 1 and f"Build {build_id} is running" in res.output, res.output
        assert raw_state(engine, wh) == before
    finally:
        sleeper.kill()
        sleeper.wait()
    assert invoke(engine, wh, "unload", "1", "--reason", REASON).exit_code == 0  # once it has finished


def test_an_unload_while_another_process_holds_the_duckdb_file_waits_then_says_so(tmp_path):
    wh = tmp_path / "wh.duckdb"
    assert load(DUCKDB, wh, write_csv(tmp_path / "first.csv", FIRST)).status == "loaded"
    before = raw_state(DUCKDB, wh)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(wh)!r})
        print("holding", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(unload_mod.UnloadFailed, match="is in use"):
            unload_mod.unload(wh, "1", REASON, wait_seconds=0.5)
    finally:
        holder.kill()
        holder.wait()
    assert raw_state(DUCKDB, wh) == before
