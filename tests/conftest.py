"""Shared fixtures for the tests, and the no-skip rule.

- ``warehouse``: a DuckDB warehouse file path in the test's tmp_path (not created);
- ``pg_database``: a fresh PostgreSQL database for the session (tests/helpers/postgres.py:
  skipped without a server, failed with COSTCALC_TEST_POSTGRES=1);
- ``engine``: each warehouse engine the tests run on everywhere, DuckDB and PostgreSQL
  (Spark and SQL Server have their own modules), with the settings that select it;
- ``fresh_engine``: ``engine`` on an empty warehouse of its own;
- ``e2e`` / ``pg_e2e``: the end-to-end demo scenario (tests/helpers/e2e_demo.py) built
  once per session on each ``engine`` / on PostgreSQL.

Every test gets the environment back as it was (``_environment_restored``).
With COSTCALC_NO_SKIP=1 (make test) a skipped test fails (tests/helpers/no_skip.py).
Shared code that is not a fixture lives in tests/helpers/ (import it as ``helpers``).
"""

from __future__ import annotations

import os

import pytest

from helpers import e2e_demo
from helpers import postgres as pg
from helpers.engines import Engine
from helpers.no_skip import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401 (hooks)

ENGINES = ("duckdb", "postgres")


@pytest.fixture(autouse=True)
def _environment_restored():
    """Every test leaves the environment as it found it. The CLI sets COSTCALC_TARGET for
    its own process (cli.py: every layer reads the engine from there), so a test that
    invokes ``--target sqlserver`` in-process would otherwise send every later test's
    loads to SQL Server."""
    before = dict(os.environ)
    yield
    if os.environ != before:
        os.environ.clear()
        os.environ.update(before)


@pytest.fixture
def warehouse(tmp_path):
    """Where a test's DuckDB warehouse file goes (the loader creates it)."""
    return tmp_path / "warehouse.duckdb"


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for the session, dropped at its end."""
    pg.server_or_skip()
    with pg.fresh_database() as name:
        yield name


@pytest.fixture(scope="session")
def pg_engine(pg_database) -> Engine:
    """PostgreSQL, on the session's database."""
    return Engine("postgres", {"COSTCALC_PG_DATABASE": pg_database})


@pytest.fixture(scope="session", params=ENGINES)
def engine(request) -> Engine:
    """Each engine every test using it runs on: DuckDB, then PostgreSQL."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_engine")
    return Engine("duckdb")


@pytest.fixture
def fresh_engine(engine):
    """``engine`` on an empty warehouse of its own (PostgreSQL: a new database, dropped after)."""
    if engine.name == "postgres":
        with pg.fresh_database() as name:
            yield Engine("postgres", {"COSTCALC_PG_DATABASE": name})
    else:
        yield engine


@pytest.fixture(scope="session")
def _e2e_runs(tmp_path_factory):
    runs: dict = {}

    def get(engine: Engine):
        if engine.name not in runs:
            root = tmp_path_factory.mktemp(f"e2e_{engine.name}")
            runs[engine.name] = e2e_demo.run_scenario(root, engine.name, engine.env)
        return runs[engine.name]

    yield get
    for ns in runs.values():
        ns.con.close()


@pytest.fixture(scope="session")
def e2e(engine, _e2e_runs):
    """The demo scenario on ``engine``: generated files loaded, built, reported, one loaded again
    (built once per engine and session)."""
    return _e2e_runs(engine)


@pytest.fixture(scope="session")
def pg_e2e(pg_engine, _e2e_runs):
    """The demo scenario on PostgreSQL (the same run as ``e2e`` on the postgres engine)."""
    return _e2e_runs(pg_engine)
