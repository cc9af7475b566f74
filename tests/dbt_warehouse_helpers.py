"""Helpers for the dbt tests (tests/test_dbt_*.py): a raw layer made exactly
as docs/architecture.md describes it, straight from the schema registry, and
dbt runs on a real DuckDB file.

Not a fixture module: the tests import these functions explicitly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from costcalc.transform.build import BuildResult, invoke_dbt
from costcalc.schemas import load_file_types, load_schemas
from costcalc.warehouse.connection import ensure_raw
from costcalc.warehouse.restricted_store import attach_for_reading


def create_raw_layer(con: duckdb.DuckDBPyConnection) -> None:
    """raw.load_log, raw.rejected_rows and raw.<code>, made by the loader's own DDL
    (costcalc.warehouse.raw_layer, as docs/architecture.md describes it)."""
    ensure_raw(con)


class RawWarehouse:
    """A warehouse file whose raw layer the test fills, load by load."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.target = self.path.parent / "dbt_target"
        self._clock = dt.datetime(2024, 1, 1, 9, 0, 0)
        with duckdb.connect(str(self.path)) as con:
            create_raw_layer(con)

    def load(self, schema_code: str, source_file: str, rows: list[dict], *, file_type: str | None = None,
             extract_date: dt.date | None = None) -> int:
        """Land ``rows`` (column -> value, as the loader would have normalised
        them) as one loaded file; rows are numbered from 2 as in Excel."""
        schema = load_schemas()[schema_code]
        if file_type is None:
            file_type = next(ft.file_type for ft in load_file_types().values() if ft.schema_code == schema_code)
        self._clock += dt.timedelta(minutes=5)
        loaded_at = self._clock
        names = [c.name for c in schema.columns]
        with duckdb.connect(str(self.path)) as con:
            load_id = con.execute("select coalesce(max(load_id), 0) + 1 from raw.load_log").fetchone()[0]
            if extract_date is None and schema.extract_date_column:
                dates = [r[schema.extract_date_column] for r in rows if r.get(schema.extract_date_column)]
                extract_date = max(dates) if dates else None
            con.execute(
                "insert into raw.load_log (load_id, source_file, sha256, schema_code, file_type, provider, "
                "extract_date, rows_read, rows_accepted, rows_rejected, status, message, loaded_at) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'loaded', null, ?)",
                [load_id, source_file, f"sha-{load_id}", schema_code, file_type, "test",
                 extract_date or loaded_at.date(), len(rows), len(rows), loaded_at])
            for i, row in enumerate(rows, start=2):
                unknown = set(row) - set(names)
                assert not unknown, f"not {schema_code} columns: {unknown}"
                values = [load_id, source_file, i, loaded_at, None] + [row.get(n) for n in names]
                marks = ", ".join("?" for _ in values)
                con.execute(f"insert into raw.{schema.table} values ({marks})", values)
        return load_id

    def dbt(self, *args: str) -> BuildResult:
        return invoke_dbt(self.path, list(args), target_path=self.target)

    def build(self, select: str | None = None) -> BuildResult:
        args = ["build"] + (["--select", *select.split(), "--indirect-selection", "cautious"] if select else [])
        result = self.dbt(*args)
        assert result.success, result.summary()
        return result

    def run(self, select: str) -> BuildResult:
        """``dbt run`` (models only, no tests) of the selected models."""
        result = self.dbt("run", "--select", *select.split())
        assert result.success, result.summary()
        return result

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """On the warehouse file, with the restricted file attached read-only as ``restricted``
        (its identity tables are ``restricted.<table>``, its audit ``restricted.audit.<table>``)."""
        with duckdb.connect(str(self.path)) as con:
            attach_for_reading(con, self.path)
            return con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list | None = None):
        rows = self.query(sql, params)
        return rows[0][0] if rows else None


def person(surname: str, firstname: str, dob: str, postcode: str, **extra) -> dict:
    """Identity columns under the common names (surname/firstname/dob/postcode)."""
    return {"surname": surname, "firstname": firstname, "dob": dt.date.fromisoformat(dob),
            "postcode": postcode, **extra}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def unit_test_names() -> list[str]:
    """The names of the project's dbt unit tests (``unit_tests:`` in models/**/*.yml)."""
    import yaml

    from costcalc.paths import MODELS_DIR

    return [t["name"] for path in sorted(MODELS_DIR.rglob("*.yml"))
            for t in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests") or []]
