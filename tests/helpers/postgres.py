"""The PostgreSQL server of the engine tests: COSTCALC_PG_HOST/PORT/USER/PASSWORD
(``eval "$(scripts/start-postgres.sh)"`` starts a local one and prints them).

Without a server the tests that need one skip, saying why; with
COSTCALC_TEST_POSTGRES=1 (make test, CI) a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import psycopg2
import pytest


def required() -> bool:
    return os.environ.get("COSTCALC_TEST_POSTGRES") == "1"


def admin_settings(dbname: str = "postgres") -> dict:
    from costcalc.warehouse.engines import postgres_settings

    s = postgres_settings()
    s["dbname"] = dbname
    return s


def server_or_skip() -> None:
    """Skip (or, when required, fail) unless a PostgreSQL server is configured and answers."""
    if not os.environ.get("COSTCALC_PG_HOST"):
        reason = "no PostgreSQL server configured (set COSTCALC_PG_HOST etc., e.g. eval \"$(scripts/start-postgres.sh)\")"
        if required():
            pytest.fail("COSTCALC_TEST_POSTGRES=1 but " + reason)
        pytest.skip(reason)
    try:
        psycopg2.connect(**admin_settings(), connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        reason = f"PostgreSQL at {os.environ['COSTCALC_PG_HOST']}:{os.environ.get('COSTCALC_PG_PORT', '5432')} " \
                 f"is not reachable ({str(exc).strip().splitlines()[0]})"
        if required():
            pytest.fail("COSTCALC_TEST_POSTGRES=1 but " + reason)
        pytest.skip(reason)


def admin(sql: str, dbname: str = "postgres", params=None) -> list:
    """Run one statement as the configured (administrator) user; its rows, if any."""
    con = psycopg2.connect(**admin_settings(dbname))
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        con.close()


@contextmanager
def fresh_database():
    """A new, empty database (its name), dropped afterwards."""
    name = f"costcalc_test_{uuid.uuid4().hex[:10]}"
    admin(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_as(login: str, dbname: str, sql: str):
    """Run one statement as ``login`` (a role made by a test, no password); its rows, if any."""
    con = psycopg2.connect(**{**admin_settings(dbname), "user": login, "password": ""})
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description else None
    finally:
        con.close()


def denied(login: str, dbname: str, sql: str) -> bool:
    """Whether the server refuses ``sql`` to ``login`` for want of a privilege."""
    try:
        run_as(login, dbname, sql)
    except psycopg2.errors.InsufficientPrivilege:
        return True
    return False
