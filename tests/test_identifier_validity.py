"""One rule, two places: the loader's "a valid NHS / NI number" for ``identified_by``
(costcalc.ingest.identifiers.matching_nhs / matching_ni) and record matching's
(macros/matching/match_valid_nhs.sql, match_valid_ni.sql). The real macros run in a
real dbt project on DuckDB and on PostgreSQL over about 15,000 values (every NI
prefix with and without a suffix, random and valid NHS numbers, edge cases), and
must give the Python answer for every one."""

from __future__ import annotations

import itertools
import random
import string
from pathlib import Path

import duckdb
import pytest

from costcalc.ingest.identifiers import matching_nhs, matching_ni
from helpers import match_dbt, matchgen
from helpers import postgres as pg

PROBE = ("select v, {{ match_valid_nhs('v') }} as nhs, {{ match_valid_ni('upper(v)') }} as ni "
         "from bench_input.probe_values\n")


def probe_values() -> list[str]:
    rng = random.Random(14)
    out = {"", "0000000000", "1111111111", "943476591", "94347659190", "943 476 5919", "943476591A",
           "AB123456", "AB123456C", "AB123456E", "AB000000C", "ab123456c", "AB12345C", "AB 12 34 56 C",
           "QQ123456C", "TN010180M", "ZZ999999D", "A1123456C"}
    for a, b in itertools.product(string.ascii_uppercase, repeat=2):
        digits = "".join(rng.choice(string.digits) for _ in range(6))
        for suffix in ("", "A", "D", "E"):
            out.add(a + b + digits + suffix)
    for _ in range(6000):
        out.add(matchgen.valid_nhs(rng))
        out.add("".join(rng.choice(string.digits) for _ in range(10)))
    return sorted(out)


def _check(rows) -> None:
    assert len(rows) > 14000
    wrong = [(v, nhs, ni) for v, nhs, ni in rows if (nhs, ni) != (matching_nhs(v), matching_ni(v))]
    assert not wrong, wrong[:10]
    # the probe covers both answers of each rule
    assert {nhs is None for _, nhs, _ in rows} == {True, False}
    assert {ni is None for _, _, ni in rows} == {True, False}


def _project(root: Path, warehouse: Path | None, **kw) -> Path:
    project = match_dbt.make_project(root, warehouse, **kw)
    (project / "models" / "validity_probe.sql").write_text(PROBE, encoding="utf-8")
    return project


def test_duckdb_macros_and_the_loader_agree(tmp_path):
    wh = tmp_path / "wh.duckdb"
    match_dbt.write_input(wh, [])
    with duckdb.connect(str(wh)) as con:
        con.execute("create table bench_input.probe_values (v varchar)")
        con.executemany("insert into bench_input.probe_values values (?)", [[v] for v in probe_values()])
    match_dbt.run_dbt(_project(tmp_path / "dbt", wh), "run", "--select", "validity_probe")
    with duckdb.connect(str(wh)) as con:
        _check(con.execute("select v, nhs, ni from intermediate.validity_probe").fetchall())


def test_postgres_macros_and_the_loader_agree(tmp_path):
    pg.server_or_skip()
    import psycopg2
    from psycopg2.extras import execute_values

    with pg.fresh_database() as db:
        s = pg.admin_settings(db)
        dsn = " ".join(f"{k}={v}" for k, v in s.items() if v not in ("", None))
        match_dbt.write_input_postgres(dsn, [])
        with psycopg2.connect(dsn) as con, con.cursor() as cur:
            cur.execute("create table bench_input.probe_values (v text)")
            execute_values(cur, "insert into bench_input.probe_values values %s", [[v] for v in probe_values()])
        profile = {"host": s["host"], "port": int(s["port"]), "user": s["user"], "dbname": db}
        match_dbt.run_dbt(_project(tmp_path / "dbt", None, postgres=profile), "run", "--select", "validity_probe")
        with psycopg2.connect(dsn) as con, con.cursor() as cur:
            cur.execute("select v, nhs, ni from intermediate.validity_probe")
            _check(cur.fetchall())


@pytest.mark.parametrize("value", ["AB123456C", "9434765919"])
def test_the_probe_can_fail(value):
    """A rule that differed would be caught: the answers are not trivially equal."""
    assert (matching_nhs(value), matching_ni(value)) != (None, None)
