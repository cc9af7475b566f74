"""One transaction helper (costcalc.warehouse.connection.transaction) for every place that
writes in a transaction: committed when the block ends, rolled back on an error or an
interrupt, on a real DuckDB file and the real PostgreSQL server; and no module of the
loader hand-writes BEGIN / COMMIT / ROLLBACK any more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from costcalc.warehouse.connection import transaction

PACKAGE = Path(__file__).resolve().parents[1] / "loader" / "costcalc"


def _table(con) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS scratch")
    con.execute("CREATE TABLE IF NOT EXISTS scratch.t (n BIGINT)")


def _rows(engine, warehouse) -> list:
    """What another connection sees (committed rows only)."""
    con = engine.open(warehouse)
    try:
        return [r[0] for r in con.execute("SELECT n FROM scratch.t ORDER BY n").fetchall()]
    finally:
        con.close()


def test_the_block_is_committed_when_it_ends(fresh_engine, tmp_path):
    wh = tmp_path / "wh.duckdb"
    con = fresh_engine.open(wh)
    try:
        _table(con)
        with transaction(con) as same:
            assert same is con
            con.execute("INSERT INTO scratch.t VALUES (1)")
            con.execute("INSERT INTO scratch.t VALUES (2)")
        assert _rows(fresh_engine, wh) == [1, 2]
    finally:
        con.close()


@pytest.mark.parametrize("raised", [ValueError("bad row"), KeyboardInterrupt()], ids=["error", "interrupt"])
def test_an_error_or_an_interrupt_rolls_the_block_back_and_is_raised_again(fresh_engine, tmp_path, raised):
    wh = tmp_path / "wh.duckdb"
    con = fresh_engine.open(wh)
    try:
        _table(con)
        con.execute("INSERT INTO scratch.t VALUES (1)")
        with pytest.raises(type(raised)):
            with transaction(con):
                con.execute("INSERT INTO scratch.t VALUES (2)")
                raise raised
        # the connection is usable again, outside any transaction
        con.execute("INSERT INTO scratch.t VALUES (3)")
        assert _rows(fresh_engine, wh) == [1, 3]
    finally:
        con.close()


def test_before_rollback_runs_first_and_its_failure_hides_nothing(fresh_engine, tmp_path):
    wh = tmp_path / "wh.duckdb"
    con = fresh_engine.open(wh)
    calls = []

    def settle():
        # the block's uncommitted row is still there: not rolled back yet
        calls.append(con.execute("SELECT count(*) FROM scratch.t WHERE n = 7").fetchall()[0][0])
        raise RuntimeError("the insert thread failed too")

    try:
        _table(con)
        with pytest.raises(ValueError, match="the block's own error"):
            with transaction(con, before_rollback=settle):
                con.execute("INSERT INTO scratch.t VALUES (7)")
                raise ValueError("the block's own error")
        assert calls == [1]
        assert _rows(fresh_engine, wh) == []
    finally:
        con.close()


def test_a_failing_rollback_never_hides_the_error_of_the_block(fresh_engine, tmp_path):
    """The connection is gone (closed under the block): the rollback fails, the caller
    still sees why the block failed, and nothing of it was committed."""
    wh = tmp_path / "wh.duckdb"
    con = fresh_engine.open(wh)
    _table(con)
    with pytest.raises(ValueError, match="why it failed"):
        with transaction(con):
            con.execute("INSERT INTO scratch.t VALUES (9)")
            con.close()
            raise ValueError("why it failed")
    assert _rows(fresh_engine, wh) == []


def test_a_failing_commit_is_raised_and_leaves_nothing(fresh_engine, tmp_path):
    """A deferred constraint fails at COMMIT on PostgreSQL; DuckDB checks a primary key at
    the insert: either way the error reaches the caller and no row is kept."""
    wh = tmp_path / "wh.duckdb"
    con = fresh_engine.open(wh)
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS scratch")
        if fresh_engine.name == "postgres":
            con.execute("CREATE TABLE scratch.t (n BIGINT, CONSTRAINT one_n UNIQUE (n) DEFERRABLE INITIALLY DEFERRED)")
        else:
            con.execute("CREATE TABLE scratch.t (n BIGINT PRIMARY KEY)")
        with pytest.raises(Exception, match=r"(?i)duplicate|unique|constraint"):
            with transaction(con):
                con.execute("INSERT INTO scratch.t VALUES (1)")
                con.execute("INSERT INTO scratch.t VALUES (1)")
        assert _rows(fresh_engine, wh) == []
        with transaction(con):  # and the connection takes the next transaction
            con.execute("INSERT INTO scratch.t VALUES (2)")
        assert _rows(fresh_engine, wh) == [2]
    finally:
        con.close()


# Statements that open or end a transaction, written by hand through a connection's execute().
_HAND_WRITTEN = re.compile(r"""\.execute\(\s*["'](BEGIN|COMMIT|ROLLBACK)\b""")
#: Where transaction statements are still written by hand, and why:
#: the server connections translate them to the driver's calls (engines), the helper itself
#: (connection), and publish's schema swap, which runs engine-native statement lists on the
#: driver's own cursor (PostgreSQL DDL with SET LOCAL; T-SQL batches with XACT_ABORT).
_ALLOWED = {"warehouse/engines.py", "warehouse/connection.py", "transform/publish.py"}


def test_no_module_hand_writes_begin_commit_or_rollback():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _HAND_WRITTEN.search(line) and rel not in _ALLOWED:
                found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "use costcalc.warehouse.connection.transaction(con):\n" + "\n".join(found)


def test_publish_writes_its_duckdb_snapshot_through_the_helper():
    """publish.py is allowed its native swap statements, not a hand-written DuckDB transaction."""
    text = (PACKAGE / "transform" / "publish.py").read_text(encoding="utf-8")
    assert 'con.execute("BEGIN' not in text and 'con.execute("COMMIT' not in text
    assert "with transaction(con):" in text
