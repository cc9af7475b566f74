"""The raw layer, declared once: its tables, their columns, portable types and descriptions.

The loader owns two tables, ``raw.load_log`` (one row per file seen) and
``raw.rejected_rows`` (what was rejected, and why); the governance tables
``raw.unload_log``, ``raw.purge_log`` and ``raw.purged_items`` record what
``costcalc unload`` and ``costcalc purge`` did (docs/retention.md; dbt does not
read them, so they are not among its sources); every ``raw.<code>`` table
(one per schema in ``schemas/*.yaml``) starts with the lineage columns below,
then the schema's columns. Everything else renders from this module:

- the DuckDB DDL the loader runs (:func:`create_table_sql`; server engines
  translate that same DDL, see :mod:`costcalc.warehouse.engines`), and the
  migration of an existing warehouse (:func:`add_column_sql`, run by
  :func:`costcalc.warehouse.connection.ensure_raw`);
- the dbt side (:mod:`costcalc.transform.registry`): the ``raw_layer`` entry of
  the ``schema_registry()`` macro (which dbt's ``ensure_raw_layer`` hook creates
  tables from) and ``models/staging/_sources.yml``.

Adding a column is one line in a table below. A warehouse made before gains
the column on its next load or build (``ALTER TABLE ... ADD COLUMN`` of each
declared column it lacks; added columns are NULL in rows loaded before, so a
new column is never ``not_null``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

#: Portable column types -> DuckDB types (the loader's DDL; server engines translate it).
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "money": "DECIMAL(18,4)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}

#: Registry column types (schemas/*.yaml) -> portable types of their raw columns.
COLUMN_TYPES = {
    "text": "string",
    "postcode": "string",
    "nhs_number": "string",
    "ni_number": "string",
    "frequency": "string",
    "integer": "bigint",
    "money": "money",
    "date": "date",
    "uprn": "string",
}


@dataclass(frozen=True)
class RawColumn:
    name: str
    type: str  # a key of DUCKDB_TYPES
    description: str
    not_null: bool = False
    primary_key: bool = False

    def __post_init__(self):
        if self.type not in DUCKDB_TYPES:
            raise ValueError(f"raw column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class RawTable:
    name: str
    description: str
    columns: tuple[RawColumn, ...]
    schema_code: str | None = None  # set for raw.<code> tables
    kind: str | None = None  # the schema's kind (cost, identity, ...), for raw.<code> tables


C = RawColumn

#: The loader's lineage columns, first in every raw.<code> table.
LINEAGE_COLUMNS = (
    C("_load_id", "bigint", "The load (raw.load_log.load_id)."),
    C("_source_file", "string", "File name as dropped, no folder."),
    C("_source_row", "integer", "Row number a person sees in Excel (the header row is 1 when it is the first row)."),
    C("_loaded_at", "timestamp", "When the load committed."),
    C("_extra", "string", "JSON object of the extra columns (header -> text), or NULL."),
)

LOAD_LOG = RawTable("load_log", "One row per file the loader has seen.", (
    C("load_id", "bigint", "The load's id.", not_null=True, primary_key=True),
    C("source_file", "string", "File name as dropped, no folder.", not_null=True),
    C("sha256", "string", "SHA-256 of the file's bytes (the same file loaded twice changes nothing).", not_null=True),
    C("schema_code", "string", "The schema the file was read with (H01A, ASC01, ...)."),
    C("file_type", "string", "The file type (seeds/file_types.csv)."),
    C("provider", "string", "Who sent the file."),
    C("extract_date", "date", "The file's extract date: newest value of the schema's extract_date_column, "
                              "else given at load time (or, in the watched folder, from the file name, a "
                              "sidecar or the folder's costcalc.yml), else the drop or load date."),
    C("rows_read", "bigint", "Data rows read."),
    C("rows_accepted", "bigint", "Rows landed in raw.<code>."),
    C("rows_rejected", "bigint", "Rows rejected (see raw.rejected_rows)."),
    C("status", "string", "loaded | rejected | unloaded (its rows removed by costcalc unload: raw.unload_log)",
      not_null=True),
    C("message", "string", "Why a file was rejected, or a note."),
    C("loaded_at", "timestamp", "When the load committed.", not_null=True),
    C("extract_date_source", "string", "Where the extract date came from: data | given | file name | sidecar | "
                                       "folder | drop date | load date."),
    C("warning", "string", "A warning about the load as a whole (e.g. an extract date far beyond the file's "
                           "data), or NULL."),
    C("loaded_by", "string", "Who loaded it: the operating-system account, or the database session user on a "
                             "server engine (NULL for loads made before this was recorded)."),
))

REJECTED_ROWS = RawTable("rejected_rows", "Rows the loader rejected, with a reason.", (
    C("load_id", "bigint", "The load."),
    C("source_file", "string", "File name as dropped, no folder."),
    C("source_row", "integer", "Row number a person sees in Excel."),
    C("column_name", "string", "The column at fault (or NULL for the whole row)."),
    C("value", "string", "The offending value as text."),
    C("reason", "string", "Why the row was rejected."),
))

#: The tables the loader itself owns (not one per schema).
LOADER_TABLES = (LOAD_LOG, REJECTED_ROWS)

UNLOAD_LOG = RawTable("unload_log", "One row per load undone by costcalc unload: an audit log (who, when, why).", (
    C("unload_id", "bigint", "The unload's id.", not_null=True, primary_key=True),
    C("load_id", "bigint", "The load undone (raw.load_log.load_id; its status is now 'unloaded').", not_null=True),
    C("source_file", "string", "The load's file name, no folder."),
    C("provider", "string", "The load's provider."),
    C("unloaded_at", "timestamp", "When the unload committed (local time, as raw.load_log.loaded_at).",
      not_null=True),
    C("unloaded_by", "string", "Who undid it: the operating-system account, or the database session user on a "
                               "server engine.", not_null=True),
    C("reason", "string", "Why, as given with --reason (control characters removed, on one line).", not_null=True),
    C("rows_removed", "bigint", "Accepted rows removed from raw.<code>."),
    C("rejected_rows_removed", "bigint", "Rows removed from raw.rejected_rows."),
    C("after_build", "bigint", "The newest build started before the unload (raw.build_log.build_id, 0 if none): "
                               "builds with a higher id reflect it."),
))

PURGE_LOG = RawTable("purge_log", "One row per costcalc purge (also the watcher's daily one); dry runs are "
                                  "not recorded.", (
    C("purge_id", "bigint", "The purge's id.", not_null=True, primary_key=True),
    C("purged_at", "timestamp", "When the purge ran (local time).", not_null=True),
    C("purged_by", "string", "Who ran it: the operating-system account, or the database session user on a "
                             "server engine.", not_null=True),
    C("folders", "string", "The watched folders it looked in, or NULL (warehouse only)."),
    C("retention", "string", "The retention settings it applied (costcalc.yml retention:)."),
    C("items", "bigint", "Files removed plus rows blanked or removed, in all."),
))

PURGED_ITEMS = RawTable("purged_items", "What each purge removed, by kind, place and load: counts, never names "
                                        "or values.", (
    C("purge_id", "bigint", "The purge (raw.purge_log).", not_null=True),
    C("kind", "string", "loaded_file | rejected_file | error_report | rejected_values | audit_log", not_null=True),
    C("place", "string", "The provider folder (files), or the table (rows)."),
    C("load_id", "bigint", "The load the items belonged to, where known (a file by its SHA-256, rejected "
                           "values by their load), else NULL."),
    C("items", "bigint", "Files removed, or rows blanked or removed.", not_null=True),
    C("oldest_at", "timestamp", "When the oldest of them arrived (files) or was written (rows)."),
))

#: The governance tables (docs/retention.md): written by costcalc unload and costcalc purge.
GOVERNANCE_TABLES = (UNLOAD_LOG, PURGE_LOG, PURGED_ITEMS)

del C


def _column_doc(col) -> str:
    """A schema column's description with its facts (type, mandatory, personal, default)."""
    parts = [col.description.strip()] if col.description else []
    facts = [col.type]
    if col.mandatory:
        facts.append("mandatory")
    if col.personal:
        facts.append("personal data")
    if col.default:
        facts.append(f"blank means {col.default}")
    parts.append(f"({', '.join(facts)})")
    return " ".join(parts)


def schema_table(schema) -> RawTable:
    """``raw.<code>`` of a schema (costcalc.schemas.Schema): lineage columns, then the schema's."""
    return RawTable(
        schema.table,
        f"{schema.code} {schema.name} ({schema.kind} schema): {schema.description}",
        LINEAGE_COLUMNS + tuple(RawColumn(c.name, COLUMN_TYPES[c.type], _column_doc(c)) for c in schema.columns),
        schema_code=schema.code, kind=schema.kind)


def raw_tables(schemas: Iterable) -> list[RawTable]:
    """Every raw table dbt reads: the loader's, then one per schema."""
    return [*LOADER_TABLES, *(schema_table(s) for s in schemas)]


def warehouse_tables(schemas: Iterable) -> list[RawTable]:
    """Every table of the raw schema the loader makes: :func:`raw_tables` and the
    governance tables (which dbt never reads)."""
    return [*raw_tables(schemas), *GOVERNANCE_TABLES]


# --------------------------------------------------------------------------- DuckDB DDL


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier (for names from the schema registry only)."""
    return '"' + identifier.replace('"', '""') + '"'


def column_sql(col: RawColumn, *, constraints: bool = True) -> str:
    text = f"{quote(col.name)} {DUCKDB_TYPES[col.type]}"
    if constraints and col.primary_key:
        text += " PRIMARY KEY"
    elif constraints and col.not_null:
        text += " NOT NULL"
    return text


def create_table_sql(table: RawTable) -> str:
    """``CREATE TABLE IF NOT EXISTS raw.<table>`` in DuckDB SQL."""
    cols = ",\n    ".join(column_sql(c) for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS raw.{quote(table.name)} (\n    {cols}\n)"


def add_column_sql(table: RawTable, col: RawColumn) -> str:
    """The migration adding a declared column an existing table lacks (nullable: older rows have none)."""
    return f"ALTER TABLE raw.{quote(table.name)} ADD COLUMN {column_sql(col, constraints=False)}"


def missing_columns(tables: Iterable[RawTable], existing: Iterable[tuple[str, str]]) -> list[tuple[RawTable, RawColumn]]:
    """Declared columns of existing tables that the warehouse lacks. ``existing``:
    (table name, column name) pairs read from the warehouse; a table absent from it is
    being created whole, so it lacks nothing."""
    have: dict[str, set[str]] = {}
    for t, c in existing:
        have.setdefault(str(t).lower(), set()).add(str(c).lower())
    out = []
    for table in tables:
        cols = have.get(table.name.lower())
        if cols is None:
            continue
        out += [(table, c) for c in table.columns if c.name.lower() not in cols]
    return out
