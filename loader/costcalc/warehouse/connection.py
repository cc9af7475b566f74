"""Opening the warehouse, and the raw layer's tables in it.

:func:`open_warehouse` is the one way every part of costcalc (loader, build,
reports, lookup, match, roles) opens the warehouse of a target: the DuckDB
file by default, else a server engine (:mod:`costcalc.warehouse.engines`,
imported only then, so the base package needs no server driver) with the same
DuckDB-like interface. The raw layer is declared in
:mod:`costcalc.warehouse.raw_layer`; :func:`ensure_raw` makes it, and migrates it.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd

from costcalc.paths import warehouse_path
from costcalc.schemas import load_schemas
from costcalc.warehouse import raw_layer
from costcalc.warehouse.raw_layer import quote  # noqa: F401 (re-exported for the loader)
from costcalc.warehouse.targets import ENGINE_MODULES, EngineError, require_engine, target_name


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file."""


class WarehouseMissing(FileNotFoundError):
    """A read-only open of a DuckDB warehouse file that does not exist."""


def open_warehouse(target: str | None = None, path: str | os.PathLike | None = None, *,
                   read_only: bool = False, wait_seconds: float = 30.0):
    """A connection to the warehouse of ``target`` (default: $COSTCALC_TARGET, else duckdb).

    DuckDB: the file ``path`` (default: $COSTCALC_WAREHOUSE, else
    ./warehouse/costcalc.duckdb), created with its folder when missing unless
    ``read_only`` (then :class:`WarehouseMissing`); waits up to ``wait_seconds``
    while another process holds it (then :class:`WarehouseBusy`). A read-only
    open in a process that already holds the file read-write (dbt-duckdb keeps
    its connection after an in-process build) shares that configuration: DuckDB
    refuses a second one; the caller still only reads.

    Server engines: ``path`` is not used; the connection settings come from the
    environment (docs/engines.md). A missing optional package or an unreachable
    server raises :class:`~costcalc.warehouse.targets.EngineError` with a clear message.
    """
    name = target_name(target)
    if name == "duckdb":
        return _open_duckdb(warehouse_path(path), read_only=read_only, wait_seconds=wait_seconds)
    require_engine(name)
    try:
        from costcalc.warehouse import engines
    except ImportError as exc:  # require_engine imported them: only a half-installed package gets here
        raise EngineError(f"the {name} engine cannot be loaded ({exc}); "
                          f"modules needed: {', '.join(ENGINE_MODULES[name])}") from exc
    return engines.server_connection(name)


def _open_duckdb(path: Path, *, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    if path.is_dir():
        raise EngineError(f"the warehouse path {path} is a folder, not a DuckDB file")
    if read_only and not path.exists():
        raise WarehouseMissing(f"No warehouse at {path}. Load files and run `costcalc build` first.")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except duckdb.ConnectionException:
                if not read_only:
                    raise
                return duckdb.connect(str(path))  # see open_warehouse: already open read-write here
        except duckdb.IOException as exc:
            locked = "lock" in str(exc).lower()
            if not locked:
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(f"the warehouse {path.name} is in use by another process; "
                                    "try again when it has finished") from None
            time.sleep(0.5)


@contextlib.contextmanager
def transaction(con, *, before_rollback: Callable[[], None] | None = None) -> Iterator:
    """Run the ``with`` block in one transaction of ``con``: committed when the block
    ends, rolled back when anything is raised in it (an error, Ctrl-C, SIGTERM), and
    the exception raised again.

    ``con`` is any connection :func:`open_warehouse` gives: a DuckDB connection, or a
    server engine's (:mod:`costcalc.warehouse.engines`), whose ``BEGIN`` / ``COMMIT`` /
    ``ROLLBACK`` map to the DB-API driver's transaction on PostgreSQL and SQL Server.
    Spark has no transactions: there ``BEGIN`` holds the block's inserts back and
    ``COMMIT`` writes them, raw rows before the load log (a crash in between leaves
    rows no load claims, which the next load id skips).

    ``before_rollback`` runs first when the block fails (the loader lets an insert still
    running on another thread finish: the connection is one thread's). A failing
    rollback (the connection already gone) never hides the block's own error; the
    server ends the transaction with the connection."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            if before_rollback is not None:
                before_rollback()
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK")
        raise


def ensure_raw(con) -> None:
    """Create the raw schema and every raw table that is missing, and add every declared
    column an existing raw table lacks (the migration of costcalc.warehouse.raw_layer). Idempotent."""
    tables = raw_layer.warehouse_tables(load_schemas().values())
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    existing = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                           "WHERE table_schema = 'raw'").fetchall()
    for table, col in raw_layer.missing_columns(tables, existing):
        con.execute(raw_layer.add_column_sql(table, col))
    for table in tables:
        con.execute(raw_layer.create_table_sql(table))


def insert_from(con, name: str, data, sql: str) -> None:
    """Run ``sql``, an ``INSERT ... SELECT ... FROM <name>`` without parameters, reading
    ``data`` (a pyarrow Table or a pandas DataFrame) under ``name``: the data is passed
    explicitly, on every engine.

    DuckDB runs the statement on a relation over the data, named ``name`` for that one
    query (``con.register()`` would keep every batch registered inside the load's open
    transaction alive until its commit: memory would grow with the file, see
    docs/decisions/0005). Server engines register it (a temporary table, bulk-copied)
    and drop it after."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        relation = con.from_df(data) if isinstance(data, pd.DataFrame) else con.from_arrow(data)
        relation.query(name, sql)
        return
    con.register(name, data)
    try:
        con.execute(sql).fetchall()
    finally:
        con.unregister(name)


def next_load_id(con) -> int:
    """The next load id (inside the caller's transaction, so concurrent loads
    cannot both take it: the load_log primary key makes the second one fail)."""
    engine_next = getattr(con, "next_load_id", None)
    if engine_next is not None:  # Spark: no transactions, see costcalc.warehouse.engines
        return engine_next()
    return int(con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM raw.load_log").fetchall()[0][0])
