"""`costcalc purge`: files, error reports, rejected values and audit logs that outlived
their retention period are removed; a dry run changes nothing; links are never followed;
each purge is recorded; the watcher runs it daily. Real watched folders, real loads,
on DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import os
import threading
import time

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.governance import retention
from costcalc.settings import RetentionSettings
from costcalc.watch.folder import Watcher
from helpers.engines import Engine
from loader_helpers import project_settings

DUCKDB = Engine("duckdb")
HEADER = ["extref", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "costfrequency",
          "servicedesc"]
GOOD = [["G1", "TW3 1AB", "Ann", "Adams", "01/01/1970", "01/01/2024", "31/01/2024", "10", "Daily", "Support"]]
# Every row bad: the file is rejected, its rows' values (a date of birth, a frequency) kept in raw.rejected_rows
BAD = [["Z1", "TW3 1AB", "Zed", "Zulu", "31/02/1971", "01/01/2024", "31/01/2024", "10", "Daily", "Support"],
       ["Z2", "TW3 1AB", "Zed", "Zulu", "01/02/1971", "01/01/2024", "31/01/2024", "10", "Sometimes", "Support"]]
PERSONAL = ("31/02/1971", "Sometimes", "Zulu", "good_file", "bad_file")
PROVIDER = "housing_needs"


def write_csv(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def dropped_and_loaded(engine, tmp_path):
    """A watched folder after one run: a loaded file, a rejected one and its error report."""
    root, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    incoming = root / PROVIDER / "incoming" / "general_service"
    write_csv(incoming / "good_file.csv", GOOD)
    write_csv(incoming / "bad_file.csv", BAD)
    with engine.selected():
        Watcher(root, wh, settle=0, build=False, purge_every=None).run_once()
    assert sorted(os.listdir(root / PROVIDER / "loaded")) == ["good_file.csv"]
    assert sorted(os.listdir(root / PROVIDER / "rejected")) == ["bad_file.csv", "bad_file.csv.errors.csv"]
    return root, wh


def query(engine, wh, sql, params=None):
    con = engine.open(wh)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def rejected(engine, wh):
    return sorted(query(engine, wh, "SELECT load_id, source_row, column_name, value, reason FROM raw.rejected_rows"),
                  key=str)


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())


def later(**kw) -> dt.datetime:
    return dt.datetime.now() + dt.timedelta(**kw)


def test_a_dry_run_changes_nothing_then_the_purge_removes_each_kind_and_records_it(fresh_engine, tmp_path):
    engine = fresh_engine
    root, wh = dropped_and_loaded(engine, tmp_path)
    before_files, before_rejected = files(root), rejected(engine, wh)
    assert any(r[3] == "31/02/1971" for r in before_rejected) and any("Sometimes" in r[4] for r in before_rejected)
    tables_before = query(engine, wh, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' "
                                      "ORDER BY 1")

    with engine.selected():
        dry = retention.purge(wh, [root], dry_run=True, now=later(days=31))
    assert (dry.total("loaded_file"), dry.total("rejected_file"), dry.total("error_report")) == (1, 1, 1)
    assert dry.total("rejected_values") == sum(1 for r in before_rejected if r[3] is not None)
    assert files(root) == before_files and rejected(engine, wh) == before_rejected
    assert query(engine, wh, "SELECT count(*) FROM raw.purge_log") == [(0,)]
    assert query(engine, wh, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' "
                             "ORDER BY 1") == tables_before
    text = dry.summary()
    assert "dry run" in text and f"{PROVIDER}: 1, oldest 31d" in text
    assert not any(p in text for p in PERSONAL)  # counts and provider folders, never names or values

    with engine.selected():
        done = retention.purge(wh, [root], now=later(days=31))
    assert files(root) == []
    after = rejected(engine, wh)
    assert len(after) == len(before_rejected)  # the rows stay: row number, column and reason
    assert [r[:3] for r in after] == [r[:3] for r in before_rejected]
    assert all(r[3] is None for r in after)
    assert not any(p in str(after) for p in PERSONAL)  # the reason quoting 'Sometimes' is blanked too
    assert any("unknown frequency '…'" in r[4] for r in after)
    assert done.purge_id == 1 and not any(p in done.summary() for p in PERSONAL)
    items = query(engine, wh, "SELECT kind, place, load_id, items FROM raw.purged_items ORDER BY kind")
    n_values = sum(1 for r in before_rejected if r[3] is not None)
    # the watcher loaded bad_file.csv first (load 1), then good_file.csv (load 2)
    assert items == [("error_report", PROVIDER, None, 1), ("loaded_file", PROVIDER, 2, 1),
                     ("rejected_file", PROVIDER, 1, 1), ("rejected_values", "raw.rejected_rows", 1, n_values)]
    ((by, items_total),) = query(engine, wh, "SELECT purged_by, items FROM raw.purge_log")
    assert items_total == 3 + n_values and by

    with engine.selected():
        history = CliRunner().invoke(main, ["--warehouse", str(wh), "loads", "--format", "csv"])
    rows = list(csv.DictReader(history.output.splitlines()))
    assert [r["source_file"] for r in rows] == ["bad_file.csv", "good_file.csv"]
    assert rows[0]["purged"].startswith("file, rejected values (") and rows[1]["purged"].startswith("file (")

    with engine.selected():  # nothing left to purge: recorded all the same
        again = retention.purge(wh, [root], now=later(days=31))
    assert again.total() == 0 and again.purge_id == 2


def test_nothing_is_purged_before_its_time(tmp_path):
    root, wh = dropped_and_loaded(DUCKDB, tmp_path)
    before_files, before_rejected = files(root), rejected(DUCKDB, wh)
    result = retention.purge(wh, [root], now=later(days=29))
    assert result.total() == 0
    assert files(root) == before_files and rejected(DUCKDB, wh) == before_rejected


def test_the_2017_tools_24_hour_rule_is_one_setting(tmp_path, monkeypatch):
    root, wh = dropped_and_loaded(DUCKDB, tmp_path)
    assert retention.purge(wh, [root], now=later(hours=25)).total() == 0  # the default: 30 days
    project_settings(monkeypatch, tmp_path / "project", "retention:\n  personal_data: 24h\n")
    result = retention.purge(wh, [root], now=later(hours=25))
    assert result.total("loaded_file") == result.total("rejected_file") == result.total("error_report") == 1
    assert result.total("rejected_values") > 0
    assert files(root) == []


def test_each_kind_has_its_own_period(tmp_path, monkeypatch):
    root, wh = dropped_and_loaded(DUCKDB, tmp_path)
    project_settings(monkeypatch, tmp_path / "project",
                     "retention:\n  personal_data: 90d\n  error_reports: 2d\n  rejected_values: 1w\n")
    result = retention.purge(wh, [root], now=later(days=3))
    assert (result.total("error_report"), result.total("loaded_file"), result.total("rejected_values")) == (1, 0, 0)
    assert files(root) == [f"{PROVIDER}/loaded/good_file.csv",
                           f"{PROVIDER}/rejected/bad_file.csv"]


def test_a_purge_never_follows_a_link(tmp_path):
    root, wh = dropped_and_loaded(DUCKDB, tmp_path)
    outside = tmp_path / "outside"
    write_csv(outside / "loaded" / "victim.csv", GOOD)
    write_csv(outside / "target.csv", GOOD)
    # the provider's loaded/ replaced by a link to a folder outside; a link planted in rejected/;
    # a provider folder that is a link
    real_loaded = root / PROVIDER / "loaded"
    for name in os.listdir(real_loaded):
        (real_loaded / name).unlink()
    real_loaded.rmdir()
    real_loaded.symlink_to(outside / "loaded", target_is_directory=True)
    (root / PROVIDER / "rejected" / "link.csv").symlink_to(outside / "target.csv")
    (root / "evil").symlink_to(outside, target_is_directory=True)

    result = retention.purge(wh, [root], now=later(days=31))
    assert (outside / "loaded" / "victim.csv").read_text() == (outside / "target.csv").read_text()
    assert sorted(os.listdir(outside)) == ["loaded", "target.csv"]
    assert not os.path.lexists(root / PROVIDER / "rejected" / "link.csv")  # the link itself is removed
    assert result.total("rejected_file") == 2  # the rejected file and the link
    assert result.skipped == [f"{PROVIDER}/loaded is a symbolic link or not a folder: not followed"]
    assert "skipped: housing_needs/loaded is a symbolic link" in result.summary()
    assert result.total("loaded_file") == 0


def test_audit_logs_are_kept_for_their_own_longer_period(fresh_engine, tmp_path):
    from costcalc import lookup
    from costcalc.commands.match import AUDIT_DDL as MATCH_AUDIT_DDL
    from costcalc.reports.exact_log import ensure_exact_log
    from costcalc.warehouse import restricted_store as store
    from costcalc.warehouse.connection import ensure_raw

    engine, wh = fresh_engine, tmp_path / "wh.duckdb"
    now = dt.datetime.now().replace(microsecond=0)
    old, recent = now - dt.timedelta(days=7 * 365), now - dt.timedelta(days=400)
    def write_audit(con):
        lookup.ensure_audit(con)
        for ddl in MATCH_AUDIT_DDL:
            con.execute(ddl)
        ensure_exact_log(con)
        for at in (old, recent):
            con.execute("INSERT INTO audit.exact_report_log (run_at, run_by, report, filters) "
                        "VALUES (?, 'someone', 'services', '{}')", [at])
            con.execute("INSERT INTO audit.lookup_log (looked_up_at, looked_up_by, client_id, reason, records_shown) "
                        "VALUES (?, 'someone', 'C00000001', 'Case review 1234', 1)", [at])
            con.execute("INSERT INTO audit.match_log (decided_at, decided_by, decision) VALUES (?, 'someone', 'link')",
                        [at])

    con = engine.open(wh)
    try:
        ensure_raw(con)
        if engine.name != "duckdb":
            write_audit(con)
        con.execute("INSERT INTO raw.unload_log (unload_id, load_id, unloaded_at, unloaded_by, reason) "
                    "VALUES (1, 1, ?, 'someone', 'Wrong folder, ticket 1')", [old])
    finally:
        con.close()
    if engine.name == "duckdb":  # the audit logs live in the restricted file beside the warehouse
        store.ensure_restricted_file(store.restricted_path(wh))
        with store.restricted_connection(wh) as rcon:
            write_audit(rcon)
    with engine.selected():
        result = retention.purge(wh, now=now)
    assert sorted((g.place, g.items) for g in result.groups) == [
        ("audit.exact_report_log", 1), ("audit.lookup_log", 1), ("audit.match_log", 1), ("raw.unload_log", 1)]
    if engine.name == "duckdb":
        with store.restricted_connection(wh, read_only=True) as rcon:
            left = [rcon.execute(f"SELECT {c} FROM audit.{t}").fetchall()
                    for t, c in (("lookup_log", "looked_up_at"), ("match_log", "decided_at"),
                                 ("exact_report_log", "run_at"))]
    else:
        left = [query(engine, wh, f"SELECT {c} FROM audit.{t}") for t, c in (
            ("lookup_log", "looked_up_at"), ("match_log", "decided_at"), ("exact_report_log", "run_at"))]
    assert left == [[(recent,)]] * 3
    assert query(engine, wh, "SELECT count(*) FROM raw.unload_log") == [(0,)]
    assert "audit log rows (kept 6y): audit.exact_report_log: 1 row" in result.summary()
    assert "audit.lookup_log: 1 row" in result.summary()


# --------------------------------------------------------------------------- the command


def test_the_purge_command_dry_run_and_run(tmp_path):
    root, wh = dropped_and_loaded(DUCKDB, tmp_path)
    before = files(root)
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "purge", "--dry-run", "--folder", str(root)])
    assert res.exit_code == 0, res.output
    assert "Purge dry run" in res.output and "loaded files (kept 30d): none" in res.output
    assert query(DUCKDB, wh, "SELECT count(*) FROM raw.purge_log") == [(0,)]
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "purge", "--folder", str(root)])
    assert res.exit_code == 0 and "Purge 1:" in res.output, res.output
    assert files(root) == before  # nothing was old enough
    assert query(DUCKDB, wh, "SELECT count(*) FROM raw.purge_log") == [(1,)]
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "purge"])
    assert res.exit_code == 0 and "No watched folder given (--folder DIR)" in res.output
    res = CliRunner().invoke(main, ["--warehouse", str(tmp_path / "none.duckdb"), "purge"])
    assert res.exit_code == 1 and "No warehouse at" in res.output
    assert not (tmp_path / "none.duckdb").exists()


def test_the_purge_command_refuses_bad_settings_naming_them(tmp_path, monkeypatch):
    root, wh = dropped_and_loaded(DUCKDB, tmp_path)
    project_settings(monkeypatch, tmp_path / "project", "retention:\n  loaded_files: 30\n")
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "purge", "--folder", str(root)])
    assert res.exit_code == 1 and "retention.loaded_files: 30 has no unit" in res.output, res.output
    assert files(root) != []


# --------------------------------------------------------------------------- the watcher


def test_the_watcher_purges_at_start_then_once_a_day_by_its_clock(tmp_path):
    clock = [1000.0]
    calls = []
    root = tmp_path / "drop"
    root.mkdir()
    watcher = Watcher(root, tmp_path / "wh.duckdb", settle=0, build=False, rescan_interval=0.02,
                      clock=lambda: clock[0], purge_every=86400, purge_fn=lambda wh, r: calls.append((wh, r)))
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not calls and time.monotonic() < deadline:
            time.sleep(0.02)
        assert calls == [(tmp_path / "wh.duckdb", root.resolve())]  # at start
        clock[0] += 86399
        time.sleep(0.3)
        assert len(calls) == 1  # not before a day
        clock[0] += 2
        deadline = time.monotonic() + 20
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(calls) == 2
    finally:
        watcher.stop()
        thread.join(20)
    assert not thread.is_alive()


def test_a_failing_purge_never_stops_the_watcher(tmp_path, caplog):
    root = tmp_path / "drop"
    root.mkdir()

    def broken(wh, r):
        raise RuntimeError("disk gone")

    watcher = Watcher(root, tmp_path / "wh.duckdb", settle=0, build=False, purge_fn=broken)
    assert watcher.run_once() == 0
    assert "the daily purge failed (RuntimeError)" in caplog.text


def test_watch_once_from_cron_purges_once_a_day_by_the_recorded_purges(tmp_path):
    root, wh = dropped_and_loaded(DUCKDB, tmp_path)
    assert query(DUCKDB, wh, "SELECT count(*) FROM raw.purge_log") == [(0,)]
    Watcher(root, wh, settle=0, build=False).run_once()
    Watcher(root, wh, settle=0, build=False).run_once()
    assert query(DUCKDB, wh, "SELECT count(*) FROM raw.purge_log") == [(1,)]  # once, not at every run
    con = DUCKDB.open(wh)
    con.execute("UPDATE raw.purge_log SET purged_at = purged_at - INTERVAL 25 HOUR")
    con.close()
    Watcher(root, wh, settle=0, build=False).run_once()
    assert query(DUCKDB, wh, "SELECT count(*) FROM raw.purge_log") == [(2,)]
    Watcher(root, wh, settle=0, build=False, purge_every=None).run_once()  # watch --no-purge
    assert query(DUCKDB, wh, "SELECT count(*) FROM raw.purge_log") == [(2,)]


def test_retention_settings_default_and_override():
    s = RetentionSettings()
    assert s.period("loaded_files") == dt.timedelta(days=30) == s.period("rejected_values")
    assert s.period("audit_logs") == dt.timedelta(days=6 * 365)
    s = RetentionSettings(personal_data="24h", error_reports="2w")
    assert s.period("loaded_files") == s.period("rejected_files") == dt.timedelta(hours=24)
    assert s.period("error_reports") == dt.timedelta(weeks=2)


@pytest.mark.parametrize("text, message", [
    ("retention:\n  loaded_files: 30\n", "retention.loaded_files: 30 has no unit"),
    ("retention:\n  loaded_files: 30x\n", "retention.loaded_files: '30x': unknown unit 'x'"),
    ("retention:\n  rejected_files: 3m\n", "retention.rejected_files: '3m': the unit 'm' is not used"),
    ("retention:\n  error_reports: -1d\n", "retention.error_reports: '-1d' is not a duration"),
    ("retention:\n  error_reports: 1.5d\n", "retention.error_reports: '1.5d' is not a duration"),
    ("retention:\n  personal_data: 0h\n", "retention.personal_data: '0h' is too short"),
    ("retention:\n  audit_logs: 30d\n", "retention.audit_logs: '30d' is too short: the audit logs are kept at "
                                        "least 1 year"),
    ("retention:\n  audit_logs: 500y\n", "retention.audit_logs: '500y' is too long"),
    ("retention:\n  files: 24h\n", "retention: unknown setting 'files'"),
    ("retention: 30d\n", "retention: expected a mapping"),
])
def test_a_bad_retention_setting_is_named_with_its_value(tmp_path, monkeypatch, text, message):
    from costcalc.settings import SettingsError, load_settings

    project_settings(monkeypatch, tmp_path / "project", text)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "costcalc.yml: " + message in str(info.value)


def test_the_governance_tables_are_made_as_declared_and_are_not_dbt_sources(fresh_engine, tmp_path):
    import yaml

    from costcalc.transform import registry
    from costcalc.warehouse import raw_layer
    from costcalc.warehouse.connection import ensure_raw

    con = fresh_engine.open(tmp_path / "wh.duckdb")
    try:
        ensure_raw(con)
        for table in raw_layer.GOVERNANCE_TABLES:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ? "
                "ORDER BY ordinal_position", [table.name]).fetchall()]
            assert columns == [c.name for c in table.columns], table.name
        loaded_by = con.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'raw' "
                                "AND table_name = 'load_log' AND column_name = 'loaded_by'").fetchall()
        assert loaded_by == [(1,)]
    finally:
        con.close()
    sources = {t["name"] for t in yaml.safe_load(registry.render_sources())["sources"][0]["tables"]}
    assert not sources & {t.name for t in raw_layer.GOVERNANCE_TABLES}
