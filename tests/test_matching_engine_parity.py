"""Engine parity of record matching (issue 14, docs/matching.md#engines): the
fuzzy-name rule decides the same on every engine that has string functions.

- PostgreSQL uses fuzzystrmatch's levenshtein and costcalc's Jaro-Winkler
  function (created by the on-run-start hook ``match_string_functions``); its
  similarities equal DuckDB's ``jaro_winkler_similarity`` and its one-edit test
  equals DuckDB's ``damerau_levenshtein(a, b) = 1`` on real generated names,
  and the whole matching run gives DuckDB's clusters on the same records.
- A role that may not create fuzzystrmatch stops the build with a message saying so.
- SQL Server 2025 (``--vars '{sqlserver_2025: true}'``) compiles to EDIT_DISTANCE and
  JARO_WINKLER_DISTANCE (tests/test_engine_sqlserver.py parses every model).

Spark's version of the same macros is checked in tests/test_engine_spark.py (slow).
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import duckdb
import jinja2
import pytest

from helpers import match_dbt, matchgen
from helpers import postgres as pg

REPO = Path(__file__).resolve().parents[1]
MACROS = REPO / "macros" / "matching"


def engine_macro(name: str, engine: str, a: str, b: str) -> str:
    """The SQL of ``<engine>__<name>(a, b)`` from its macro file (plain Jinja: the
    engine versions use nothing of dbt's)."""
    module = jinja2.Environment().from_string((MACROS / f"{name}.sql").read_text(encoding="utf-8")).module
    return str(getattr(module, f"{engine}__{name}")(a, b)).strip()


def name_pairs(n: int = 4000, seed: int = 14) -> list[tuple[str, str]]:
    """Real pairs of a generated person's names and their typos, plus random pairs and
    the cases that split people on PostgreSQL before (CLAIRE / CLAIRI)."""
    rng = random.Random(seed)
    recs = matchgen.generate(n, seed)
    names = sorted({match_dbt._norm_name(r[k]) for r in recs for k in ("surname", "firstname")} - {None})
    pairs = {("CLAIRE", "CLAIRI"), ("JON", "JOHN"), ("MARTHA", "MARHTA"), ("DWAYNE", "DUANE"),
             ("ABC", "ABC"), ("AB", "BA"), ("DIXON", "DICKSONX"), ("A" * 300, "A" * 299 + "B")}
    for _ in range(n):
        s = rng.choice(names)
        pairs.add((s, matchgen.typo(rng, s)))
        pairs.add((s, rng.choice(names)))
    return sorted(p for p in pairs if p[0] and p[1])


@pytest.fixture(scope="module")
def pg_db():
    pg.server_or_skip()
    with pg.fresh_database() as name:
        yield name


def _pg_profile(db: str, user: str | None = None) -> dict:
    s = pg.admin_settings(db)
    return {"host": s["host"], "port": int(s["port"]), "user": user or s["user"], "dbname": db}


def _dsn(db: str) -> str:
    return " ".join(f"{k}={v}" for k, v in pg.admin_settings(db).items() if v not in ("", None))


def _run_hooks(project: Path) -> None:
    """dbt's on-run-start hooks (and the one view over the input), as every build runs them."""
    match_dbt.run_dbt(project, "run", "--select", "int_identity_records")


def test_postgres_string_functions_equal_duckdbs(pg_db, tmp_path):
    match_dbt.write_input_postgres(_dsn(pg_db), matchgen.generate(20, seed=3))
    _run_hooks(match_dbt.make_project(tmp_path / "dbt", None, postgres=_pg_profile(pg_db)))
    pairs = name_pairs()
    one_edit_pg = engine_macro("match_one_edit", "postgres", "a", "b")
    jw_pg = engine_macro("match_jaro_winkler", "postgres", "a", "b")
    import psycopg2

    con = psycopg2.connect(**pg.admin_settings(pg_db))
    try:
        with con.cursor() as cur:
            cur.execute("create temporary table p (a text, b text)")
            cur.executemany("insert into p values (%s, %s)", pairs)
            cur.execute(f"select a, b, {jw_pg}, {one_edit_pg} from p where a <> b")
            got = {(a, b): (jw, edit) for a, b, jw, edit in cur.fetchall()}
    finally:
        con.close()
    duck = duckdb.connect()
    duck.execute("create table p (a varchar, b varchar)")
    duck.executemany("insert into p values (?, ?)", pairs)
    want = {(a, b): (jw, edit) for a, b, jw, edit in duck.execute(
        "select a, b, jaro_winkler_similarity(a, b), damerau_levenshtein(a, b) = 1 from p where a <> b").fetchall()}
    assert len(want) > 3000 and set(got) == set(want)
    jw_off = [(k, got[k][0], want[k][0]) for k in want if abs(got[k][0] - want[k][0]) > 1e-9]
    assert jw_off == []
    # fuzzystrmatch's levenshtein stops at 255 characters: longer names are simply not one edit apart
    edit_off = [k for k in want if got[k][1] != want[k][1] and max(len(k[0]), len(k[1])) <= 255]
    assert edit_off == []
    assert sum(1 for k in want if want[k][1]) > 500  # the test exercises the edit rule


def test_postgres_matching_gives_duckdbs_clusters(pg_db, tmp_path):
    """The same generated records, the real matching models on both engines: the
    same clusters, CLAIRE / CLAIRI one person on both (it was two on PostgreSQL)."""
    import datetime as dt

    claire = [{"record_key": k, "surname": "Hargreaves", "firstname": fn, "dob": dt.date(1971, 5, 3),
               "postcode": "LS6 2QT", "person_id": "claire"} for k, fn in (("claire-a", "Claire"),
                                                                           ("claire-b", "Clairi"))]
    recs = claire + matchgen.generate(2500, seed=1414)
    wh = tmp_path / "duck.duckdb"
    match_dbt.write_input(wh, recs)
    duck_project = match_dbt.make_project(tmp_path / "duck", wh)
    match_dbt.run_dbt(duck_project, "seed")
    match_dbt.run_dbt(duck_project, "run")
    with duckdb.connect(str(wh)) as con:
        duck = dict(con.execute("select record_key, cluster_key from intermediate.int_match_clusters").fetchall())
    match_dbt.write_input_postgres(_dsn(pg_db), recs)
    pg_project = match_dbt.make_project(tmp_path / "pg", None, postgres=_pg_profile(pg_db))
    match_dbt.run_dbt(pg_project, "seed")
    match_dbt.run_dbt(pg_project, "run")
    got = dict(pg.admin("select record_key, cluster_key from intermediate.int_match_clusters", pg_db))

    def partition(clusters):
        groups = {}
        for k, c in clusters.items():
            groups.setdefault(c, set()).add(k)
        return {frozenset(g) for g in groups.values()}

    assert duck["claire-a"] == duck["claire-b"]
    assert got["claire-a"] == got["claire-b"]
    assert partition(got) == partition(duck)


def test_postgres_role_that_may_not_create_fuzzystrmatch_is_told_so(tmp_path):
    """A locked-down build role: its schemas were made for it, but it may not create
    in the database, so not the extension either. The build stops at once, saying so."""
    pg.server_or_skip()
    role = f"costcalc_noext_{uuid.uuid4().hex[:6]}"
    pg.admin(f"CREATE ROLE {role} LOGIN")
    try:
        with pg.fresh_database() as db:
            pg.admin(f"GRANT CONNECT ON DATABASE {db} TO {role}", db)
            pg.admin(f"CREATE SCHEMA intermediate AUTHORIZATION {role}", db)
            project = match_dbt.make_project(tmp_path / "dbt", None, postgres=_pg_profile(db, user=role))
            with pytest.raises(RuntimeError) as err:
                _run_hooks(project)
            text = str(err.value) + (project / "logs" / "dbt.log").read_text(encoding="utf-8", errors="replace")
            assert "needs the PostgreSQL extension fuzzystrmatch" in text
            assert f"the role {role} may not create it in database {db}" in text
            assert "CREATE EXTENSION fuzzystrmatch" in text  # what the owner must run
            assert pg.admin("select count(*) from pg_extension where extname = 'fuzzystrmatch'", db) == [(0,)]
            pg.admin(f"DROP OWNED BY {role}", db)
    finally:
        pg.admin(f"DROP ROLE IF EXISTS {role}")
