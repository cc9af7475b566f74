"""Issue 10: readers never see half a build, and never block a writer.

Real files, the real loader, a real DuckDB warehouse, the real dbt build and
publish; readers are separate processes, as a BI tool would be.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from costcalc.transform import build_state
from costcalc.transform.publish import PERSONAL_COLUMN_NAMES, build_and_publish, published_path
from watch_helpers import GS00_HEADERS, H01A_HEADERS, gs00_rows, h01a_rows, write_csv

ROOT = Path(__file__).resolve().parents[1]
COSTCALC = [str(Path(sys.executable).parent / "costcalc")]

# One snapshot, read in one connection: its build id, and the same money two ways
# (rpt_spend_by_client: per client, so never suppressed, docs/disclosure.md).
SNAPSHOT_SQL = """
select (select build_id from marts.build_info),
       (select coalesce(sum(cost), 0) from marts.fct_cost_monthly),
       (select coalesce(sum(total_cost), 0) from marts.rpt_spend_by_client)
"""


def snapshot(path: Path) -> tuple[int, float, float]:
    with duckdb.connect(str(path), read_only=True) as con:
        b, monthly, by_service = con.execute(SNAPSHOT_SQL).fetchone()
    return int(b), float(monthly), float(by_service)


def cli(wh, *args):
    return CliRunner().invoke(main, ["--warehouse", str(wh), *args])


def load_ta(wh, folder: Path, name: str, n: int, start: int):
    path = write_csv(folder / name, H01A_HEADERS, h01a_rows(n, start))
    return load_file(wh, path, schema="H01A", file_type="temporary_accommodation", provider="housing_needs")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A warehouse with two TA files, built and published once."""
    root = tmp_path_factory.mktemp("publish")
    wh = root / "wh.duckdb"
    load_ta(wh, root / "files", "ta_1.csv", 6, 0)
    load_ta(wh, root / "files", "ta_2.csv", 4, 100)
    result = build_and_publish(wh, target_path=root / "t")
    assert result.success and result.published, result.summary()
    return root, wh, result


def test_a_build_publishes_one_file_of_public_marts_only(published):
    root, wh, result = published
    pub = published_path(wh)
    assert pub == root / "wh.published.duckdb" and pub.exists()
    assert not list(root.glob("*.tmp"))
    with duckdb.connect(str(pub), read_only=True) as con:
        schemas = {r[0] for r in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}
        columns = con.execute("select table_name, column_name from information_schema.columns").fetchall()
        assert con.execute("select build_id, last_load_id from marts.build_info").fetchall() == [(result.build_id, 2)]
    assert schemas == {"marts"}
    tables = {t for t, _ in columns}
    assert {"fct_cost_monthly", "rpt_spend_by_service", "dim_client", "build_info"} <= tables
    assert not {"int_records", "client_identity", "identity_records", "load_log"} & tables
    assert not [c for _, c in columns if c.lower() in PERSONAL_COLUMN_NAMES]
    b, monthly, by_service = snapshot(pub)
    assert b == result.build_id and monthly > 0 and monthly == pytest.approx(by_service, abs=0.01)
    # No personal value of the loaded files anywhere in the published file's text.
    raw = pub.read_bytes()
    assert b"Testname" not in raw and b"Test Street" not in raw and b"SW1A" not in raw


def test_status_after_a_publish(published):
    root, wh, result = published
    res = cli(wh, "status")
    assert res.exit_code == 0, res.output
    assert f"Published: build {result.build_id}" in res.output
    assert "Loaded since: nothing" in res.output and "Build owed: no" in res.output
    assert "temporary_accommodation:" in res.output
    assert "Testname" not in res.output and "SW1A" not in res.output


def test_a_failing_model_keeps_the_previous_snapshot_and_names_model_and_file(published, tmp_path, monkeypatch):
    root, wh, first = published
    before = snapshot(published_path(wh))
    load_ta(wh, root / "files", "ta_3_bad.csv", 3, 200)
    # a project directory whose own age_bands seed cannot load: the build fails there
    # (a broken raw table would not do: the build brings the raw layer up to date first)
    broken = tmp_path / "broken_project"
    (broken / "seeds").mkdir(parents=True)
    (broken / "seeds" / "age_bands.csv").write_text("age_band,min_age,max_age,sort_order\n0-17,none,17,1\n")
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(broken))
    try:
        res = cli(wh, "build")
        assert res.exit_code == 1
        assert "age_bands" in res.output and "ta_3_bad.csv" in res.output
        assert "a build is owed" in res.output
        assert snapshot(published_path(wh)) == before
        st = cli(wh, "status")
        assert st.exit_code == 3, st.output
        assert "Last failure: build" in st.output and "age_bands" in st.output
        assert "likely file (loaded since the last published build): ta_3_bad.csv" in st.output
        assert "Build owed: yes" in st.output and "load 3: ta_3_bad.csv" in st.output
        # reports still answer, from the previous snapshot
        rep = cli(wh, "report", "services", "--format", "json", "--exact")
        assert rep.exit_code == 0, rep.output
        assert sum(r["cost"] for r in json.loads(rep.stdout)["rows"][-1:]) > 0
    finally:
        monkeypatch.delenv("COSTCALC_PROJECT_DIR")
    res = cli(wh, "build")
    assert res.exit_code == 0, res.output
    b, monthly, by_service = snapshot(published_path(wh))
    assert b > before[0] and monthly > before[1] and monthly == pytest.approx(by_service, abs=0.01)
    assert cli(wh, "status").exit_code == 0


def test_a_select_build_publishes_nothing(published):
    root, wh, _ = published
    before = snapshot(published_path(wh))
    res = cli(wh, "build", "--select", "stg_h01a")
    assert res.exit_code == 0 and "not published" in res.output
    assert snapshot(published_path(wh)) == before


def test_status_of_an_empty_folder_and_report_before_any_publish(tmp_path):
    wh = tmp_path / "wh.duckdb"
    res = cli(wh, "status")
    assert res.exit_code == 3 and "Published: nothing yet" in res.output
    load_ta(wh, tmp_path, "ta.csv", 2, 0)
    rep = cli(wh, "report", "services")
    assert rep.exit_code == 1 and "Nothing has been published" in rep.output


# --------------------------------------------------------------------------- readers and writers

READER = r"""
import sys, time, duckdb, json
path, stop = sys.argv[1], sys.argv[2]
seen, errors, n = {}, [], 0
import os
while not os.path.exists(stop):
    if not os.path.exists(path):
        time.sleep(0.05); continue
    try:
        con = duckdb.connect(path, read_only=True)
        try:
            b, m, s = con.execute('''SQL''').fetchone()
        finally:
            con.close()
        n += 1
        if abs(float(m) - float(s)) > 0.01:
            errors.append(f"build {b}: fct_cost_monthly {m} != rpt_spend_by_client {s}")
        seen.setdefault(str(b), round(float(m), 2))
        if seen[str(b)] != round(float(m), 2):
            errors.append(f"build {b} changed under a reader")
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.02)
print(json.dumps({"seen": seen, "errors": errors[:5], "queries": n}))
""".replace("SQL", SNAPSHOT_SQL.replace("\n", " "))


def test_a_reader_never_errors_and_only_sees_complete_snapshots_through_a_watch_cycle(tmp_path):
    wh = tmp_path / "wh.duckdb"
    drop = tmp_path / "drop"
    inc = drop / "housing_needs" / "incoming"
    write_csv(inc / "ta_first.csv", H01A_HEADERS, h01a_rows(5, 0))
    first = cli(wh, "watch", str(drop), "--once", "--settle", "0")
    assert first.exit_code == 0, first.output
    b1 = snapshot(published_path(wh))
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published_path(wh)), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        write_csv(inc / "ta_second.csv", H01A_HEADERS, h01a_rows(7, 50))
        write_csv(inc / "general_service" / "meals.csv", GS00_HEADERS, gs00_rows(4))
        second = cli(wh, "watch", str(drop), "--once", "--settle", "0")  # load, build, publish
        assert second.exit_code == 0, second.output
        time.sleep(1.0)
    finally:
        stop.write_text("stop")
        out, _ = reader.communicate(timeout=60)
    got = json.loads(out)
    assert got["errors"] == []
    b2 = snapshot(published_path(wh))
    assert b2[0] > b1[0] and b2[1] > b1[1]
    assert set(got["seen"]) == {str(b1[0]), str(b2[0])}  # the old snapshot, then the new one
    assert got["queries"] > 20


def test_a_reader_holding_the_published_file_never_blocks_load_build_publish(published, tmp_path):
    root, wh, _ = published
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True);"
         " print(c.execute('select build_id from marts.build_info').fetchone()[0], flush=True);"
         " sys.stdin.readline();"
         " print(c.execute('select build_id from marts.build_info').fetchone()[0], flush=True)",
         str(published_path(wh))], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        held = int(holder.stdout.readline())
        assert load_ta(wh, tmp_path, "ta_held.csv", 2, 300).status == "loaded"
        res = cli(wh, "build")
        assert res.exit_code == 0, res.output
        assert snapshot(published_path(wh))[0] > held
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert int(holder.stdout.readline()) == held  # the open reader kept its snapshot
    finally:
        holder.kill()
        holder.wait()


# --------------------------------------------------------------------------- faults


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "loader")
    return env


def distinct_people(n: int, start: int) -> list[list]:
    """TA rows of n different (fictional) people: distinct surnames, dates of
    birth and postcodes, so matching has no giant block."""
    import datetime as dt
    letters = "ABDEFGHJLN"
    return [[f"P{start + i:06d}", f"{i} Test Street",
             f"E{i % 20 + 1} {i // 20 % 10}{letters[i // 200 % 10]}{letters[i // 2000 % 10]}", None,
             "Alex", f"Testname{start + i}", dt.date(1940, 1, 1) + dt.timedelta(days=(start + i) % 20000), 2,
             dt.date(2024, 1, 1), None, 250.0, "Hostel"] for i in range(n)]


def _check_invariants(wh: Path, files: dict[str, int], builds: dict[int, float]) -> None:
    """A file is wholly loaded or not at all; the published marts equal a complete build."""
    with duckdb.connect(str(wh), read_only=True) as con:
        loads = con.execute("select load_id, source_file, rows_read, rows_accepted from raw.load_log "
                            "where status = 'loaded'").fetchall()
        for load_id, name, read, accepted in loads:
            rows = con.execute("select count(*) from raw.h01a where _load_id = ?", [load_id]).fetchone()[0]
            assert rows == accepted and read == files[name], (name, rows, accepted, read)
        orphans = con.execute("select count(*) from raw.h01a where _load_id not in "
                              "(select load_id from raw.load_log)").fetchone()[0]
        assert orphans == 0
    pub = published_path(wh)
    if pub.exists():
        b, monthly, by_service = snapshot(pub)
        assert monthly == pytest.approx(by_service, abs=0.01)
        builds.setdefault(b, monthly)
        assert builds[b] == pytest.approx(monthly)


def test_kill_9_at_random_points_of_load_build_and_publish(tmp_path):
    """Kill -9 part-way through loads and builds (publish included), a bounded
    number of times; after each the invariants hold, and a re-run converges."""
    rng = random.Random(10)
    wh = tmp_path / "wh.duckdb"
    files: dict[str, int] = {}
    builds: dict[int, float] = {}
    assert load_ta(wh, tmp_path, "ta_base.csv", 5, 0).status == "loaded"
    files["ta_base.csv"] = 5
    t0 = time.monotonic()
    ok = subprocess.run([*COSTCALC, "--warehouse", str(wh), "build"], env=_env(), cwd=tmp_path,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    build_seconds = time.monotonic() - t0
    _check_invariants(wh, files, builds)
    for i in range(8):
        if i % 2 == 0:  # a load of a big enough file, killed part-way
            n = 4_000
            path = write_csv(tmp_path / f"ta_kill_{i}.csv", H01A_HEADERS, distinct_people(n, 10_000 * (i + 1)))
            files[path.name] = n
            cmd = [*COSTCALC, "--warehouse", str(wh), "load", str(path), "--schema", "H01A",
                   "--file-type", "temporary_accommodation", "--provider", "housing_needs"]
            delay = rng.uniform(0.3, 3.0)
        else:  # a build, killed anywhere up to its end (publish included)
            cmd = [*COSTCALC, "--warehouse", str(wh), "build"]
            # early in dbt, or late: the last models, the tests, the publish
            delay = rng.uniform(1.0, 0.6 * build_seconds) if i % 4 == 1 else \
                rng.uniform(0.8, 1.05) * build_seconds
        proc = subprocess.Popen(cmd, env=_env(), cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _check_invariants(wh, files, builds)
    # A re-run converges: load what is missing, build, publish; then nothing is owed.
    for name in files:
        load_file(wh, tmp_path / name, schema="H01A", file_type="temporary_accommodation",
                  provider="housing_needs")
    res = cli(wh, "build")
    assert res.exit_code == 0, res.output
    _check_invariants(wh, files, builds)
    with duckdb.connect(str(wh), read_only=True) as con:
        assert {r[0] for r in con.execute("select source_file from raw.load_log where status = 'loaded'")
                .fetchall()} == set(files)
    st = cli(wh, "status")
    assert st.exit_code == 0 and "Build owed: no" in st.output, st.output
    b, monthly, _ = snapshot(published_path(wh))
    with duckdb.connect(str(wh), read_only=True) as con:  # the snapshot is this last build's marts
        assert float(con.execute("select sum(cost) from marts.fct_cost_monthly").fetchone()[0]) == \
            pytest.approx(monthly)
    assert not list(tmp_path.glob("*.tmp"))


def test_sigterm_during_build_keeps_the_snapshot_and_records_it(published, tmp_path):
    root, wh, _ = published
    before = snapshot(published_path(wh))
    load_ta(wh, tmp_path, "ta_term.csv", 2, 400)
    proc = subprocess.Popen([*COSTCALC, "--warehouse", str(wh), "build"], env=_env(), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(9)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the build finished within 9 s on this machine")
    assert proc.returncode in (130, -signal.SIGTERM), (proc.returncode, err)
    assert "Traceback" not in err
    assert snapshot(published_path(wh)) == before
    st = build_state.read_status(wh)
    assert st.owed and st.last_attempt and st.last_attempt[1] == "interrupted"


def test_the_sql_server_swap_is_one_transaction_that_parses():
    """No SQL Server in the tests: the T-SQL is checked to parse (sqlglot, tsql)
    and to move every table inside one transaction, dropping the old ones after."""
    import sqlglot

    from costcalc.transform.publish import postgres_swap_statements, sqlserver_swap_statements

    stmts = sqlserver_swap_statements(["dim_client", "fct_cost_monthly"], ["dim_client", "fct_cost_monthly",
                                                                           "build_info"], 7)
    begin, commit = stmts.index("BEGIN TRANSACTION"), stmts.index("COMMIT TRANSACTION")
    moves = [i for i, s in enumerate(stmts) if " TRANSFER " in s]
    assert len(moves) == 5 and all(begin < i < commit for i in moves)
    assert all(i > commit for i, s in enumerate(stmts) if s.startswith("DROP TABLE marts_old"))
    assert stmts[0] == "SET XACT_ABORT ON"  # any error rolls the whole swap back
    for s in stmts:
        sqlglot.parse(s, read="tsql")
    pg = postgres_swap_statements(7)
    assert pg[0] == "DROP SCHEMA IF EXISTS marts_old_7 CASCADE"
    assert "ALTER SCHEMA marts_build RENAME TO marts" in pg


def test_the_spark_swap_renames_every_table_before_any_view_and_build_info_last():
    """Spark (run for real in tests/test_engine_spark.py, slow): every built table gets
    its versioned name before the first view moves, so the views move in one short
    run; build_info's view moves last; an existing view is altered in place (Spark's
    CREATE OR REPLACE VIEW drops and re-creates it: a reader could miss it); a table
    left in marts by an older Spark build is dropped just before its view is created.
    Every statement parses as Spark SQL."""
    import sqlglot

    from costcalc.transform.publish import spark_publish_statements

    stmts = spark_publish_statements(["fct_cost_monthly", "dim_client", "rpt_new", "build_info"], 7,
                                     ["dim_client"], ["fct_cost_monthly", "build_info"])
    renames = [i for i, s in enumerate(stmts) if " RENAME TO " in s]
    views = [i for i, s in enumerate(stmts) if s.startswith(("CREATE VIEW", "ALTER VIEW"))]
    assert len(renames) == 4 and len(views) == 4 and max(renames) < min(views)
    assert stmts[views[-1]] == "ALTER VIEW `marts`.`build_info` AS SELECT * FROM `marts_build`.`build_info__b7`"
    assert "ALTER VIEW `marts`.`fct_cost_monthly` AS SELECT * FROM `marts_build`.`fct_cost_monthly__b7`" in stmts
    assert "CREATE VIEW `marts`.`rpt_new` AS SELECT * FROM `marts_build`.`rpt_new__b7`" in stmts
    assert "ALTER TABLE `marts_build`.`dim_client` RENAME TO `marts_build`.`dim_client__b7`" in stmts
    drop = stmts.index("DROP TABLE `marts`.`dim_client`")
    assert drop == stmts.index("CREATE VIEW `marts`.`dim_client` AS SELECT * FROM `marts_build`.`dim_client__b7`") - 1
    assert not any("OR REPLACE" in s for s in stmts)
    assert not any(s.startswith(("DROP TABLE `marts`.`fct", "DROP VIEW")) for s in stmts)
    for s in stmts:
        sqlglot.parse(s, read="spark")


def test_status_while_a_writer_holds_the_warehouse_still_shows_the_published_build(published):
    root, wh, _ = published
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
         " sys.stdin.read()", str(wh)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        res = cli(wh, "status")
        assert res.exit_code == 3, res.output
        assert "Published: build" in res.output and "in use" in res.output
    finally:
        holder.stdin.close()
        holder.wait()
