"""costcalc on a real PostgreSQL server: the DuckDB end-to-end scenario (load,
dbt build, dbt tests, reports, lookup), and the access roles.

Needs a server: COSTCALC_PG_HOST/PORT/USER/PASSWORD (scripts/start-postgres.sh
starts a local one and prints them). Without one the tests skip, saying so;
with COSTCALC_TEST_POSTGRES=1 (CI) a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest

import engine_e2e_helpers as eh
import test_e2e_demo as e2e_demo

psycopg2 = pytest.importorskip("psycopg2")

REQUIRED = os.environ.get("COSTCALC_TEST_POSTGRES") == "1"


def _admin_settings(dbname: str = "postgres") -> dict:
    from costcalc.warehouse.engines import postgres_settings

    s = postgres_settings()
    s["dbname"] = dbname
    return s


def _server_or_skip() -> None:
    if not os.environ.get("COSTCALC_PG_HOST"):
        reason = "no PostgreSQL server configured (set COSTCALC_PG_HOST etc., e.g. eval \"$(scripts/start-postgres.sh)\")"
        if REQUIRED:
            pytest.fail("COSTCALC_TEST_POSTGRES=1 but " + reason)
        pytest.skip(reason)
    try:
        psycopg2.connect(**_admin_settings(), connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        reason = f"PostgreSQL at {os.environ['COSTCALC_PG_HOST']}:{os.environ.get('COSTCALC_PG_PORT', '5432')} " \
                 f"is not reachable ({str(exc).strip().splitlines()[0]})"
        if REQUIRED:
            pytest.fail("COSTCALC_TEST_POSTGRES=1 but " + reason)
        pytest.skip(reason)


def _admin(sql: str, dbname: str = "postgres") -> list:
    con = psycopg2.connect(**_admin_settings(dbname))
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else []
    finally:
        con.close()


@pytest.fixture(scope="module")
def pg_database():
    """A fresh database for this module, dropped afterwards."""
    _server_or_skip()
    name = f"costcalc_test_{uuid.uuid4().hex[:10]}"
    _admin(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def e2e(pg_database, tmp_path_factory):
    with eh.target_env("postgres", COSTCALC_PG_DATABASE=pg_database):
        ns = eh.run_scenario(tmp_path_factory.mktemp("pg_e2e"))
        try:
            yield ns
        finally:
            ns.con.close()


# The DuckDB end-to-end checks, run here against this module's `e2e` (PostgreSQL).
test_every_file_loads_and_only_the_planted_rows_are_rejected = \
    e2e_demo.test_every_file_loads_and_only_the_planted_rows_are_rejected
test_loading_the_same_file_again_changes_nothing = e2e_demo.test_loading_the_same_file_again_changes_nothing
test_every_accepted_row_is_linked_to_a_client = e2e_demo.test_every_accepted_row_is_linked_to_a_client
test_monthly_cost_per_service_type_matches_the_contract = \
    e2e_demo.test_monthly_cost_per_service_type_matches_the_contract
test_service_and_grand_totals = e2e_demo.test_service_and_grand_totals
test_services_report_matches_the_contract = e2e_demo.test_services_report_matches_the_contract
test_the_demo_printed_its_reports_and_timings = e2e_demo.test_the_demo_printed_its_reports_and_timings


def test_the_warehouse_is_really_postgres(e2e):
    version = e2e.con.execute("select version()").fetchone()[0]
    assert version.startswith("PostgreSQL")
    n = e2e.con.execute("select count(*) from raw.load_log where status = 'loaded'").fetchone()[0]
    assert n == len(e2e.data.files)


def test_client_ids_are_stable_across_rebuilds(e2e):
    eh.check_client_ids_stable(e2e)


def test_reports_and_lookup_on_postgres(e2e):
    with eh.target_env("postgres", COSTCALC_PG_DATABASE=e2e.con.raw.info.dbname):
        eh.check_reports_and_lookup(e2e)


def test_a_failed_load_leaves_nothing_behind(e2e, tmp_path, monkeypatch):
    """One transaction per file: a load that fails half-way commits nothing."""
    from costcalc.ingest import landing

    f = e2e.data.files[-1]
    copy = tmp_path / ("copy_" + f.name)
    copy.write_bytes(f.path.read_bytes() + (b"\n" if f.name.endswith(".csv") else b""))
    before = e2e.con.execute("select count(*) from raw.load_log").fetchone()[0]
    calls = {"n": 0}
    original = landing._Loader._log_row

    def boom(self, *a, **k):
        calls["n"] += 1
        raise RuntimeError("killed before the load log row")

    monkeypatch.setattr(landing._Loader, "_log_row", boom)
    with eh.target_env("postgres", COSTCALC_PG_DATABASE=e2e.con.raw.info.dbname):
        with pytest.raises(RuntimeError):
            landing.load_file(tmp_path / "unused.duckdb", copy, schema=f.schema_code, file_type=f.file_type,
                              provider=f.provider, extract_date=f.extract_date)
    monkeypatch.setattr(landing._Loader, "_log_row", original)
    assert calls["n"] == 1
    assert e2e.con.execute("select count(*) from raw.load_log").fetchone()[0] == before
    table = f.schema_code.lower()
    assert e2e.con.execute(f"select count(*) from raw.{table} where _source_file = ?", [copy.name]).fetchone()[0] == 0


# ----------------------------------------------------------------- roles

def _as(login: str, dbname: str, sql: str):
    con = psycopg2.connect(**{**_admin_settings(dbname), "user": login, "password": ""})
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else None
    finally:
        con.close()


@pytest.fixture(scope="module")
def roles(e2e):
    """Logins for each role, made members by `costcalc setup-roles`."""
    from click.testing import CliRunner

    from costcalc.cli import main

    db = e2e.con.raw.info.dbname
    suffix = db.rsplit("_", 1)[-1]
    logins = {k: f"cc_{k}_{suffix}" for k in ("uploader", "analyst", "caseworker")}
    for login in logins.values():
        _admin(f"CREATE ROLE {login} LOGIN")
    try:
        with eh.target_env("postgres", COSTCALC_PG_DATABASE=db):
            res = CliRunner().invoke(main, ["--target", "postgres", "setup-roles"]
                                     + [a for k, v in logins.items() for a in ("--member", f"{k}={v}")])
        assert res.exit_code == 0, res.output
        yield db, logins
    finally:
        for login in logins.values():
            _admin(f"DROP OWNED BY {login} CASCADE", db)
            _admin(f"DROP ROLE IF EXISTS {login}")


def _denied(login, db, sql) -> bool:
    try:
        _as(login, db, sql)
    except psycopg2.errors.InsufficientPrivilege:
        return True
    return False


def test_an_analyst_reads_marts_only(roles):
    db, logins = roles
    a = logins["analyst"]
    assert _as(a, db, "select count(*) from marts.dim_client")[0][0] > 0
    assert _as(a, db, "select count(*) from marts.fct_cost_monthly")[0][0] > 0
    for sql in ("select * from restricted.client_identity limit 1", "select * from restricted.identity_records limit 1",
                "select * from raw.load_log limit 1", "select * from raw.h01a limit 1",
                "select * from intermediate.int_records limit 1", "select * from audit.lookup_log limit 1",
                "insert into raw.rejected_rows (load_id) values (-1)", "create table marts.x (a int)",
                "delete from marts.dim_client"):
        assert _denied(a, db, sql), sql


def test_an_uploader_writes_raw_only(roles, e2e, tmp_path):
    db, logins = roles
    u = logins["uploader"]
    _as(u, db, "insert into raw.rejected_rows (load_id, reason) values (-1, 'role test')")
    _as(u, db, "delete from raw.rejected_rows where load_id = -1")
    for sql in ("select * from marts.dim_client limit 1", "select * from restricted.client_identity limit 1",
                "create table marts.x (a int)", "insert into audit.lookup_log (client_id) values ('x')",
                "select * from staging.stg_h01a limit 1"):
        assert _denied(u, db, sql), sql
    # the loader itself runs as the uploader: a file seen before changes nothing, a new one loads
    from costcalc.ingest.landing import load_file

    f = next(f for f in e2e.data.files if f.name.endswith(".csv"))
    same = tmp_path / f.name
    same.write_bytes(f.path.read_bytes())
    new = tmp_path / ("resent_" + f.name)
    new.write_bytes(f.path.read_bytes() + b"\r\n")  # a trailing blank row: other bytes, same rows
    with eh.target_env("postgres", COSTCALC_PG_DATABASE=db, COSTCALC_PG_USER=u):
        kw = dict(schema=f.schema_code, file_type=f.file_type, provider=f.provider, extract_date=f.extract_date)
        assert load_file(tmp_path / "unused.duckdb", same, **kw).status == "unchanged"
        res = load_file(tmp_path / "unused.duckdb", new, **kw)
    assert res.status == "loaded", res.message
    assert res.rows_accepted == len(f.accepted_rows)


def test_a_caseworker_reads_restricted_and_writes_the_audit(roles):
    db, logins = roles
    c = logins["caseworker"]
    client = _as(c, db, "select client_id from restricted.client_identity limit 1")[0][0]
    from costcalc.lookup import lookup_client

    with eh.target_env("postgres", COSTCALC_PG_DATABASE=db, COSTCALC_PG_USER=c):
        result = lookup_client("unused.duckdb", client, "Safeguarding referral 77, duty team",
                               user="director.of.finance")
    assert result.found and result.lookup_id > 0
    # The audit names the database login, never the --user claim (issue 10, item 9).
    assert (result.looked_up_by, result.claimed_user) == (c, "director.of.finance")
    for sql in ("select * from raw.load_log limit 1", "select * from audit.lookup_log limit 1",
                "delete from audit.lookup_log", "select * from intermediate.int_records limit 1"):
        assert _denied(c, db, sql), sql
    n = _admin(f"select count(*) from audit.lookup_log where looked_up_by = '{c}' "
               "and claimed_user = 'director.of.finance'", db)[0][0]
    assert n == 1


def test_setup_roles_prints_its_statements():
    from click.testing import CliRunner

    from costcalc.cli import main

    with eh.target_env("duckdb"):  # the CLI sets COSTCALC_TARGET for what it runs; restore it after
        res = CliRunner().invoke(main, ["--target", "postgres", "setup-roles", "--print", "--member", "analyst=alice"])
        bad = CliRunner().invoke(main, ["--target", "postgres", "setup-roles", "--member", "boss=alice"])
        duck = CliRunner().invoke(main, ["--target", "duckdb", "setup-roles"])
    assert res.exit_code == 0, res.output
    assert "GRANT SELECT ON ALL TABLES IN SCHEMA marts TO costcalc_analyst" in res.output
    assert 'GRANT costcalc_analyst TO "alice"' in res.output
    assert bad.exit_code != 0
    assert duck.exit_code != 0 and "no database roles" in duck.output


def test_without_a_server_ci_fails_and_a_laptop_skips(monkeypatch):
    """COSTCALC_TEST_POSTGRES=1 turns 'no server' from a skip into a failure."""
    import sys

    mod = sys.modules[__name__]
    monkeypatch.delenv("COSTCALC_PG_HOST", raising=False)
    monkeypatch.setattr(mod, "REQUIRED", True)
    with pytest.raises(pytest.fail.Exception, match="COSTCALC_TEST_POSTGRES=1"):
        _server_or_skip()
    monkeypatch.setattr(mod, "REQUIRED", False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server configured"):
        _server_or_skip()
    monkeypatch.setenv("COSTCALC_PG_HOST", "127.0.0.1")
    monkeypatch.setenv("COSTCALC_PG_PORT", "1")  # nothing listens there
    with pytest.raises(pytest.skip.Exception, match="not reachable"):
        _server_or_skip()


# --------------------------------------------------------------------------- publishing (issue 10)

_SNAPSHOT = ("select (select build_id from marts.build_info), "
             "(select coalesce(sum(cost), 0) from marts.fct_cost_monthly), "
             "(select coalesce(sum(total_cost), 0) from marts.rpt_spend_by_service)")


def _snapshot(db) -> tuple:
    con = psycopg2.connect(**_admin_settings(db))
    try:
        with con.cursor() as cur:
            cur.execute(_SNAPSHOT)
            b, m, s = cur.fetchone()
            return int(b), float(m), float(s)
    finally:
        con.close()


def test_the_marts_are_published_by_a_schema_swap(e2e, tmp_path):
    """dbt builds marts_build; publishing swaps it into marts in one transaction.
    A reader on its own connection keeps querying through a failed build and a
    good one: it never errors and only sees complete snapshots; the failed build
    leaves the snapshot and records a build owed, naming the model."""
    import threading

    from click.testing import CliRunner

    from costcalc.cli import main
    from costcalc.transform import build_state

    db = e2e.con.raw.info.dbname
    schemas = {r[0] for r in _admin("select nspname from pg_namespace", db)}
    assert "marts" in schemas and "marts_build" not in schemas
    assert not [s for s in schemas if s.startswith("marts_old_")]
    before = _snapshot(db)
    assert before[1] > 0 and abs(before[1] - before[2]) < 0.01

    seen, errors, stop = {}, [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                b, m, s = _snapshot(db)
                if abs(m - s) > 0.01:
                    errors.append(f"build {b}: {m} != {s}")
                seen.setdefault(b, round(m, 2))
            except Exception as exc:  # noqa: BLE001 - the test's point is that none happens
                errors.append(repr(exc))

    t = threading.Thread(target=reader)
    t.start()
    try:
        with eh.target_env("postgres", COSTCALC_PG_DATABASE=db):
            _admin("alter table raw.h01a rename column proptype to proptype_gone", db)
            try:
                res = CliRunner().invoke(main, ["--target", "postgres", "build"])
                assert res.exit_code == 1 and "stg_h01a" in res.output and "a build is owed" in res.output
                assert _snapshot(db) == before
                st = build_state.read_status(None)
                assert st.last_attempt[1] == "failed" and "stg_h01a" in st.last_attempt[3] and st.owed
            finally:
                _admin("alter table raw.h01a rename column proptype_gone to proptype", db)
            res = CliRunner().invoke(main, ["--target", "postgres", "build"])
            assert res.exit_code == 0, res.output
            status = CliRunner().invoke(main, ["--target", "postgres", "status"])
            assert status.exit_code == 0 and "Build owed: no" in status.output, status.output
    finally:
        stop.set()
        t.join()
    after = _snapshot(db)
    assert after[0] > before[0] and after[1] == pytest.approx(before[1])
    assert errors == []
    assert set(seen) == {before[0], after[0]}
