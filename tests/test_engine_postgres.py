"""costcalc on a real PostgreSQL server, beyond the end-to-end checks every engine
runs (tests/test_e2e_demo.py): the warehouse really is PostgreSQL, a failed load
leaves nothing, `costcalc match` audits there, batches are passed explicitly, and
the access roles.

Needs a server: COSTCALC_PG_HOST/PORT/USER/PASSWORD (scripts/start-postgres.sh
starts a local one and prints them); see tests/helpers/postgres.py.
"""

from __future__ import annotations

import pandas as pd
import psycopg2
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from helpers import postgres as pg
from helpers.e2e_demo import target_env


def test_the_warehouse_is_really_postgres(pg_e2e):
    version = pg_e2e.con.execute("select version()").fetchone()[0]
    assert version.startswith("PostgreSQL")
    n = pg_e2e.con.execute("select count(*) from raw.load_log where status = 'loaded'").fetchone()[0]
    assert n == len(pg_e2e.data.files)


def test_a_failed_load_leaves_nothing_behind(pg_e2e, pg_engine, tmp_path, monkeypatch):
    """One transaction per file: a load that fails half-way commits nothing."""
    from costcalc.ingest import landing

    e2e = pg_e2e
    f = e2e.data.files[-1]
    copy = tmp_path / ("copy_" + f.name)
    copy.write_bytes(f.path.read_bytes() + (b"\n" if f.name.endswith(".csv") else b""))
    before = e2e.con.execute("select count(*) from raw.load_log").fetchone()[0]
    calls = {"n": 0}

    def boom(self, *a, **k):
        calls["n"] += 1
        raise RuntimeError("killed before the load log row")

    with monkeypatch.context() as m, pg_engine.selected():
        m.setattr(landing._Loader, "_log_row", boom)
        with pytest.raises(RuntimeError):
            landing.load_file(tmp_path / "unused.duckdb", copy, schema=f.schema_code, file_type=f.file_type,
                              provider=f.provider, extract_date=f.extract_date)
    assert calls["n"] == 1
    assert e2e.con.execute("select count(*) from raw.load_log").fetchone()[0] == before
    table = f.schema_code.lower()
    assert e2e.con.execute(f"select count(*) from raw.{table} where _source_file = ?", [copy.name]).fetchone()[0] == 0


def test_match_link_writes_its_audit_to_postgres(pg_e2e, pg_engine, tmp_path):
    """`costcalc --target postgres match link` checks the records and audits on the server,
    not in a local DuckDB file."""
    rows = pg_e2e.con.execute("select schema_code, source_file, source_row from marts.client_record_links "
                              "order by source_file, source_row limit 2").fetchall()
    a, b = (f"{s}:{f}:{r}" for s, f, r in rows)
    local = tmp_path / "no_such_warehouse.duckdb"
    decisions = tmp_path / "decisions.csv"
    reason = "Same person, confirmed by phone 2026-11-30"
    with pg_engine.selected():
        res = CliRunner().invoke(main, ["--target", "postgres", "--warehouse", str(local), "match", "link", a, b,
                                        "--reason", reason, "--user", "pg-test", "--decisions-file", str(decisions)])
    assert res.exit_code == 0, res.output
    audit = pg_e2e.con.execute("select claimed_user, decision, record_a, record_b, reason, decided_by from audit.match_log "
                               "where reason = ?", [reason]).fetchall()
    assert [row[:5] for row in audit] == [("pg-test", "link", a, b, reason)]  # --user: a claim
    assert audit[0][5] and audit[0][5] != "pg-test"  # decided_by: the account that ran it
    assert not local.exists()
    assert decisions.read_text(encoding="utf-8").count("\n") == 2  # header and the decision
    # a record the server does not hold is refused, and nothing is audited for it
    with pg_engine.selected():
        bad = CliRunner().invoke(main, ["--target", "postgres", "match", "unlink", a, "H01A:nobody.csv:2",
                                        "--reason", reason + " (2)", "--decisions-file", str(decisions)])
    assert bad.exit_code != 0 and "No such row" in bad.output
    assert pg_e2e.con.execute("select count(*) from audit.match_log where reason = ?",
                              [reason + " (2)"]).fetchone()[0] == 0


def test_a_batch_is_passed_explicitly_not_found_in_the_callers_variables(pg_engine):
    """The server connection reads a DataFrame only when it is registered, never by
    walking the caller's frames for a variable named in the SQL."""
    from costcalc.warehouse.connection import insert_from

    con = pg_engine.open()
    try:
        _costcalc_batch = pd.DataFrame({"a": [1, 2, 3]})  # noqa: F841 (a local of that name must not be read)
        with pytest.raises(psycopg2.errors.UndefinedTable):
            con.execute("select count(*) from _costcalc_batch")
        con.execute("create temp table got (a bigint)")
        insert_from(con, "_costcalc_batch", pd.DataFrame({"a": [4, 5]}),
                    "insert into got select a from _costcalc_batch")
        assert con.execute("select a from got order by a").fetchall() == [(4,), (5,)]
        with pytest.raises(psycopg2.errors.UndefinedTable):  # unregistered after the insert
            con.execute("select count(*) from _costcalc_batch")
    finally:
        con.close()


# ----------------------------------------------------------------- roles

_as = pg.run_as
_denied = pg.denied


@pytest.fixture(scope="module")
def roles(pg_e2e):
    """Logins for each role, made members by `costcalc setup-roles`."""
    db = pg_e2e.con.raw.info.dbname
    suffix = db.rsplit("_", 1)[-1]
    logins = {k: f"cc_{k}_{suffix}" for k in ("uploader", "analyst", "caseworker")}
    for login in logins.values():
        pg.admin(f"CREATE ROLE {login} LOGIN")
    try:
        with target_env("postgres", COSTCALC_PG_DATABASE=db):
            res = CliRunner().invoke(main, ["--target", "postgres", "setup-roles"]
                                     + [a for k, v in logins.items() for a in ("--member", f"{k}={v}")])
        assert res.exit_code == 0, res.output
        yield db, logins
    finally:
        for login in logins.values():
            pg.admin(f"DROP OWNED BY {login} CASCADE", db)
            pg.admin(f"DROP ROLE IF EXISTS {login}")


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


def test_an_uploader_writes_raw_only(roles, pg_e2e, tmp_path):
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

    f = next(f for f in pg_e2e.data.files if f.name.endswith(".csv"))
    same = tmp_path / f.name
    same.write_bytes(f.path.read_bytes())
    new = tmp_path / ("resent_" + f.name)
    new.write_bytes(f.path.read_bytes() + b"\r\n")  # a trailing blank row: other bytes, same rows
    with target_env("postgres", COSTCALC_PG_DATABASE=db, COSTCALC_PG_USER=u):
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

    with target_env("postgres", COSTCALC_PG_DATABASE=db, COSTCALC_PG_USER=c):
        result = lookup_client("unused.duckdb", client, "Safeguarding referral 77, duty team",
                               user="director.of.finance", purpose="B", case_reference="SG-2024-0077")
    assert result.found and result.lookup_id > 0
    # The audit names the database login, never the --user claim (issue 10, item 9).
    assert (result.looked_up_by, result.claimed_user) == (c, "director.of.finance")
    for sql in ("select * from raw.load_log limit 1", "select * from audit.lookup_log limit 1",
                "delete from audit.lookup_log", "select * from intermediate.int_records limit 1"):
        assert _denied(c, db, sql), sql
    n = pg.admin("select count(*) from audit.lookup_log where looked_up_by = %s "
                 "and claimed_user = 'director.of.finance' and purpose = 'B' and case_reference = 'SG-2024-0077' "
                 "and outcome = 'shown'", db, [c])[0][0]
    assert n == 1


def test_an_analyst_runs_an_exact_report_which_is_logged_under_their_login(roles):
    """docs/disclosure.md: --exact is logged; the analyst may add a row, never read or change the log."""
    import json

    db, logins = roles
    a = logins["analyst"]
    with target_env("postgres", COSTCALC_PG_DATABASE=db, COSTCALC_PG_USER=a, COSTCALC_PG_PASSWORD=""):
        plain = CliRunner().invoke(main, ["--target", "postgres", "report", "ta-comparison", "--format", "json"])
        exact = CliRunner().invoke(main, ["--target", "postgres", "report", "ta-comparison", "--format", "json",
                                          "--exact", "--ta"])
    assert plain.exit_code == 0, plain.output
    assert json.loads(plain.stdout)["disclosure"]["exact"] is False
    assert exact.exit_code == 0, exact.output
    assert json.loads(exact.stdout)["disclosure"]["exact"] is True and "NOT FOR PUBLICATION" in exact.stderr
    rows = pg.admin("select report, filters from audit.exact_report_log where run_by = %s", db, [a])
    assert rows == [("ta-comparison", '{"ever_temporary_accommodation": true}')]
    for sql in ("select * from audit.exact_report_log limit 1", "delete from audit.exact_report_log",
                "update audit.exact_report_log set run_by = 'someone else'",
                "select * from audit.lookup_log limit 1", "insert into audit.lookup_log (client_id) values ('x')"):
        assert _denied(a, db, sql), sql


def test_setup_roles_prints_its_statements():
    # the CLI sets COSTCALC_TARGET for what it runs; conftest's _environment_restored undoes it
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
    monkeypatch.delenv("COSTCALC_PG_HOST", raising=False)
    monkeypatch.setenv("COSTCALC_TEST_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match="COSTCALC_TEST_POSTGRES=1"):
        pg.server_or_skip()
    monkeypatch.setenv("COSTCALC_TEST_POSTGRES", "0")
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server configured"):
        pg.server_or_skip()
    monkeypatch.setenv("COSTCALC_PG_HOST", "127.0.0.1")
    monkeypatch.setenv("COSTCALC_PG_PORT", "1")  # nothing listens there
    with pytest.raises(pytest.skip.Exception, match="not reachable"):
        pg.server_or_skip()


# --------------------------------------------------------------------------- publishing (issue 10)

_SNAPSHOT = ("select (select build_id from marts.build_info), "
             "(select coalesce(sum(cost), 0) from marts.fct_cost_monthly), "
             "(select coalesce(sum(total_cost), 0) from marts.rpt_spend_by_client)")  # never suppressed


def _snapshot(db) -> tuple:
    con = psycopg2.connect(**pg.admin_settings(db))
    try:
        with con.cursor() as cur:
            cur.execute(_SNAPSHOT)
            b, m, s = cur.fetchone()
            return int(b), float(m), float(s)
    finally:
        con.close()


def test_the_marts_are_published_by_a_schema_swap(pg_e2e, tmp_path):
    """dbt builds marts_build; publishing swaps it into marts in one transaction.
    A reader on its own connection keeps querying through a failed build and a
    good one: it never errors and only sees complete snapshots; the failed build
    leaves the snapshot and records a build owed, naming the model."""
    import threading

    from click.testing import CliRunner

    from costcalc.cli import main
    from costcalc.transform import build_state

    db = pg_e2e.con.raw.info.dbname
    schemas = {r[0] for r in pg.admin("select nspname from pg_namespace", db)}
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
        with target_env("postgres", COSTCALC_PG_DATABASE=db):
            # a project directory whose own age_bands seed cannot load: the build fails there
            # (a broken raw table would not do: the build brings the raw layer up to date first)
            broken = tmp_path / "broken_project"
            (broken / "seeds").mkdir(parents=True)
            (broken / "seeds" / "age_bands.csv").write_text("age_band,min_age,max_age,sort_order\n0-17,none,17,1\n")
            with target_env("postgres", COSTCALC_PROJECT_DIR=str(broken)):
                res = CliRunner().invoke(main, ["--target", "postgres", "build"])
            assert res.exit_code == 1 and "a build is owed" in res.output and "age_bands" in res.output, res.output
            assert _snapshot(db) == before
            st = build_state.read_status(None)
            assert st.last_attempt[1] == "failed" and "age_bands" in st.last_attempt[3] and st.owed
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


# ----------------------------------------------------------------- purposes and opt-outs (issue 11)

def _caseworker_cli(db, login, *args):
    with target_env("postgres", COSTCALC_PG_DATABASE=db, COSTCALC_PG_USER=login):
        return CliRunner().invoke(main, ["--target", "postgres", "--warehouse", "unused.duckdb", *args])


def test_a_caseworker_keeps_the_optout_register_and_purpose_d_honours_it(roles, pg_e2e, tmp_path):
    db, logins = roles
    c = logins["caseworker"]
    client, *_ = pg.admin(
        "select client_id from restricted.identity_records where reference is not null group by client_id "
        "having count(distinct file_type) >= 2 order by client_id limit 1", db)[0]
    refs = pg.admin("select distinct file_type, upper(trim(reference)) from restricted.identity_records "
                    "where client_id = %s and reference is not null order by 1, 2", db, [client])
    ask = ["--case-reference", "OFFER-2026-0042", "--reason", "Offer of the warm homes scheme to the household"]
    first_type, first_ref = refs[0]
    res = _caseworker_cli(db, c, "optout", "add", first_type, first_ref, "--reason",
                          "Letter from the resident dated 3 March")
    assert res.exit_code == 0, res.output
    res = _caseworker_cli(db, c, "lookup", client, "--purpose", "D", *ask)
    assert res.exit_code == 0, res.output
    assert "withheld" in res.output and f"\n  1. " in res.output
    assert f"reference   {refs[0][1]}" not in res.output
    for file_type, ref in refs[1:]:
        assert _caseworker_cli(db, c, "optout", "add", file_type, ref, "--reason",
                               "Letter from the resident dated 3 March").exit_code == 0
    res = _caseworker_cli(db, c, "lookup", client, "--purpose", "D", *ask)
    assert res.exit_code == 2 and "opted out of purpose D" in res.output
    assert _caseworker_cli(db, c, "lookup", client, "--purpose", "C", *ask).exit_code == 2
    rows = pg.admin("select purpose, case_reference, outcome, records_shown, looked_up_by from audit.lookup_log "
                    "where client_id = %s and purpose = 'D' order by lookup_id", db, [client])
    assert [(r[0], r[2], r[4]) for r in rows] == [("D", "shown", c), ("D", "refused: opted out of D", c)]
    assert rows[1][3] == 0
    added = pg.admin("select count(*) from restricted.optouts where added_by = %s and removed_at is null", db, [c])
    assert added[0][0] == len(refs)
    # analysts and uploaders never see the register
    for who in ("analyst", "uploader"):
        assert _denied(logins[who], db, "select * from restricted.optouts limit 1"), who
    # dbt rebuilding the restricted models leaves the register alone
    from costcalc.transform.build import build as dbt_build

    with target_env("postgres", COSTCALC_PG_DATABASE=db):
        result = dbt_build(tmp_path / "unused.duckdb", "identity_records client_identity",
                           target_path=tmp_path / "dbt_target")
    assert result.success, result.summary()
    assert pg.admin("select count(*) from restricted.optouts where removed_at is null", db)[0][0] == len(refs)
    for file_type, ref in refs:   # leave the shared warehouse as it was (the rows stay, marked removed)
        res = _caseworker_cli(db, c, "optout", "remove", file_type, ref, "--reason",
                              "Test over: the resident withdrew it")
        assert res.exit_code == 0, res.output
    listing = _caseworker_cli(db, c, "optout", "list", "--all")
    assert listing.exit_code == 0 and listing.output.count("removed") >= len(refs)


def test_a_caseworker_makes_the_at_risk_list_an_analyst_sees_only_its_backtest(roles):
    """docs/at-risk.md: the list is the caseworkers' (purpose D, audited under their login);
    analysts read the aggregate backtest and nothing the list is made from."""
    db, logins = roles
    c, a = logins["caseworker"], logins["analyst"]
    res = _caseworker_cli(db, c, "at-risk", "list", "--purpose", "D", "--case-reference", "HPT-2026-0007",
                          "--reason", "Homelessness prevention outreach offers this month")
    assert res.exit_code == 0, res.output
    assert "RESTRICTED" in res.output
    listed = pg.admin("select listed_by, purpose, case_reference, people_listed from audit.at_risk_list_log "
                      "order by list_id desc limit 1", db)[0]
    assert listed[:3] == (c, "D", "HPT-2026-0007")
    people = pg.admin("select count(*) from audit.at_risk_list_people where list_id = "
                      "(select max(list_id) from audit.at_risk_list_log)", db)[0][0]
    assert people == listed[3]
    assert _caseworker_cli(db, c, "at-risk", "list", "--purpose", "B", "--case-reference", "HPT-2026-0007",
                           "--reason", "Homelessness prevention outreach offers this month").exit_code == 2
    assert _as(a, db, "select count(*) from marts.fct_at_risk_backtest")[0][0] >= 2
    for sql in ("select * from restricted.at_risk_flag_records limit 1", "select * from restricted.at_risk_dates",
                "select * from audit.at_risk_list_log limit 1", "select * from audit.at_risk_list_people limit 1",
                "select * from intermediate.int_at_risk_flags limit 1"):
        assert _denied(a, db, sql), sql
    for sql in ("delete from audit.at_risk_list_log", "select * from audit.at_risk_list_people limit 1"):
        assert _denied(c, db, sql), sql
