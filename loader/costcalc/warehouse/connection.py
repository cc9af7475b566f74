"""The warehouse: connecting to the DuckDB file and the raw layer's tables.

The raw layer's layout is documented in docs/architecture.md; this module is
its one definition in code (``raw.<code>``, ``raw.load_log``, ``raw.rejected_rows``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from costcalc.schemas import Schema, load_schemas
from costcalc.warehouse.targets import is_server

#: Column type -> DuckDB type in raw.<code>.
SQL_TYPES = {
    "text": "VARCHAR",
    "postcode": "VARCHAR",
    "nhs_number": "VARCHAR",
    "ni_number": "VARCHAR",
    "frequency": "VARCHAR",
    "integer": "BIGINT",
    "money": "DECIMAL(18,4)",
    "date": "DATE",
}

LINEAGE_COLUMNS = (
    ("_load_id", "BIGINT"),
    ("_source_file", "VARCHAR"),
    ("_source_row", "INTEGER"),
    ("_loaded_at", "TIMESTAMP"),
    ("_extra", "VARCHAR"),
)


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file."""


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier (for names from the schema registry only)."""
    return '"' + identifier.replace('"', '""') + '"'


def connect(path: str | os.PathLike | None, *, wait_seconds: float = 30.0):
    """The warehouse connection of the selected target ($COSTCALC_TARGET, see
    costcalc.warehouse.engines): the DuckDB file ``path`` by default, else a server engine
    with the same DuckDB-like interface."""
    if is_server():
        from costcalc.warehouse.engines import server_connection

        return server_connection()
    return duckdb_connect(path, wait_seconds=wait_seconds)


def duckdb_connect(path: str | os.PathLike, *, wait_seconds: float = 30.0) -> duckdb.DuckDBPyConnection:
    """Open (creating folders and file as needed) the warehouse, waiting up to
    ``wait_seconds`` while another process holds its lock."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                if "lock" in str(exc).lower():
                    raise WarehouseBusy(f"the warehouse {path.name} is in use by another process; "
                                        "try again when it has finished") from None
                raise
            time.sleep(0.5)


def raw_table_ddl(schema: Schema) -> str:
    cols = [f"{quote(n)} {t}" for n, t in LINEAGE_COLUMNS]
    cols += [f"{quote(c.name)} {SQL_TYPES[c.type]}" for c in schema.columns]
    return f"CREATE TABLE IF NOT EXISTS raw.{quote(schema.table)} (\n    " + ",\n    ".join(cols) + "\n)"


LOAD_LOG_DDL = """
CREATE TABLE IF NOT EXISTS raw.load_log (
    load_id BIGINT PRIMARY KEY,
    source_file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    schema_code VARCHAR,
    file_type VARCHAR,
    provider VARCHAR,
    extract_date DATE,
    rows_read BIGINT,
    rows_accepted BIGINT,
    rows_rejected BIGINT,
    status VARCHAR NOT NULL,
    message VARCHAR,
    loaded_at TIMESTAMP NOT NULL,
    extract_date_source VARCHAR,
    warning VARCHAR
)"""

#: Columns added to raw.load_log after it was first released: (name, type). A warehouse
#: made before gets them from :func:`migrate_raw` (NULL in the rows already there).
LOAD_LOG_ADDED_COLUMNS = (
    ("extract_date_source", "VARCHAR"),  # 'data' | 'given' | 'file name' | 'sidecar' | 'folder' | 'drop date' | 'load date'
    ("warning", "VARCHAR"),  # a warning about the load as a whole (e.g. its extract date)
)

REJECTED_ROWS_DDL = """
CREATE TABLE IF NOT EXISTS raw.rejected_rows (
    load_id BIGINT,
    source_file VARCHAR,
    source_row INTEGER,
    column_name VARCHAR,
    value VARCHAR,
    reason VARCHAR
)"""


def ensure_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and every raw table that is missing (idempotent)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(LOAD_LOG_DDL)
    migrate_raw(con)
    con.execute(REJECTED_ROWS_DDL)
    for schema in load_schemas().values():
        con.execute(raw_table_ddl(schema))


def migrate_raw(con) -> None:
    """Add the columns of :data:`LOAD_LOG_ADDED_COLUMNS` that an older raw.load_log lacks.
    Only a missing column is added (ALTER TABLE ... ADD COLUMN, translated for each engine),
    so roles that may not alter tables (costcalc.warehouse.roles) never try once it is done."""
    cur = con.execute("SELECT * FROM raw.load_log WHERE 1 = 0")
    have = {d[0].lower() for d in (cur.description or [])}
    cur.fetchall()
    for name, sql_type in LOAD_LOG_ADDED_COLUMNS:
        if name not in have:
            con.execute(f"ALTER TABLE raw.load_log ADD COLUMN {name} {sql_type}")


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    """The next load id (inside the caller's transaction, so concurrent loads
    cannot both take it: the load_log primary key makes the second one fail)."""
    engine_next = getattr(con, "next_load_id", None)
    if engine_next is not None:  # Spark: no transactions, see costcalc.warehouse.engines
        return engine_next()
    return int(con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM raw.load_log").fetchall()[0][0])
