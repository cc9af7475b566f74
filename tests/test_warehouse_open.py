"""Opening the warehouse: one function for every target (costcalc.warehouse.connection.
open_warehouse), server engines imported only when chosen, a clear message when an
engine's extra is not installed, batches passed explicitly, and the raw layer's
declaration (costcalc.warehouse.raw_layer) with its migration, on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import ast
import datetime as dt
import decimal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from costcalc.transform import registry
from costcalc.warehouse import raw_layer
from costcalc.warehouse.connection import (WarehouseMissing, ensure_raw, insert_from, open_warehouse)
from costcalc.warehouse.targets import EngineError

PACKAGE = Path(__file__).resolve().parents[1] / "loader" / "costcalc"
H01A_CSV = ("pin,postcode,firstname,surname,dob,startdate,enddate,cost,proptype\n"
            "P1,TW3 1AB,Ann,Example,03/03/1984,01/01/2024,31/01/2024,350,Self-contained\n"
            "P2,TW7 4HJ,Dan,Other,07/07/2005,28/02/2024,01/03/2024,560,Bed and Breakfast\n")


# ----------------------------------------------------------------- no cycle, lazy engines

def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def test_the_server_engines_import_nothing_back_from_connection():
    engines = _imports(PACKAGE / "warehouse" / "engines.py")
    assert "costcalc.warehouse.connection" not in engines
    assert not any(m.startswith("costcalc.warehouse.raw_layer") for m in engines)
    # the shared bits (target names, EngineError) are in targets, which imports no other costcalc module
    assert not {m for m in _imports(PACKAGE / "warehouse" / "targets.py") if m.startswith("costcalc")}


def test_duckdb_needs_no_server_module():
    """Loading the CLI and opening a DuckDB warehouse imports neither the engines nor their packages."""
    code = textwrap.dedent("""
        import sys
        import costcalc.cli, costcalc.reports, costcalc.lookup, costcalc.ingest.landing
        from costcalc.warehouse.connection import open_warehouse
        open_warehouse("duckdb", sys.argv[1]).close()
        loaded = [m for m in ("costcalc.warehouse.engines", "sqlglot", "psycopg2", "pyodbc", "pyspark")
                  if m in sys.modules]
        print(",".join(loaded) or "none")
    """)
    out = subprocess.run([sys.executable, "-c", code, "wh.duckdb"], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent / "loader", check=False)
    Path(Path(__file__).parent.parent / "loader" / "wh.duckdb").unlink(missing_ok=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "none"


@pytest.mark.parametrize("target,hidden", [("postgres", "psycopg2"), ("postgres", "sqlglot"),
                                           ("sqlserver", "pyodbc"), ("spark", "pyspark")])
def test_an_engine_whose_extra_is_missing_names_the_extra(target, hidden, monkeypatch):
    monkeypatch.setitem(sys.modules, hidden, None)  # as if it were not installed
    with pytest.raises(EngineError) as err:
        open_warehouse(target)
    text = str(err.value)
    assert f"the {target} engine needs the optional package '{hidden}'" in text
    assert "pip install 'costcalc[engines]'" in text


def test_the_cli_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    monkeypatch.setenv("COSTCALC_TARGET", "duckdb")
    res = CliRunner().invoke(main, ["--target", "postgres", "report", "services"])
    assert res.exit_code == 1
    assert "pip install 'costcalc[engines]'" in res.output and "Traceback" not in res.output


def test_a_build_names_the_missing_dbt_adapter(monkeypatch, tmp_path):
    from costcalc.transform.build import build

    monkeypatch.setitem(sys.modules, "dbt.adapters.postgres", None)
    monkeypatch.setenv("COSTCALC_TARGET", "postgres")
    result = build(tmp_path / "unused.duckdb")
    assert not result.success
    assert result.error == ("the postgres engine needs the optional package 'dbt', which is not installed: "
                            "pip install 'costcalc[engines]'")


BLOCKER = textwrap.dedent("""
    import sys
    BLOCKED = ("sqlglot", "psycopg2", "pyodbc", "pyspark", "dbt.adapters.postgres", "dbt.adapters.sqlserver",
               "dbt.adapters.spark")

    class NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    from costcalc.cli import main
    main(sys.argv[1:], prog_name="costcalc")
""")


def test_the_base_package_loads_builds_and_reports_without_any_extra(tmp_path):
    """As after `pip install costcalc` (no extras): no sqlglot, driver or server adapter."""
    (tmp_path / "ta.csv").write_text(H01A_CSV, encoding="utf-8")
    wh = tmp_path / "wh.duckdb"

    def run(*args):
        return subprocess.run([sys.executable, "-c", BLOCKER, "--warehouse", str(wh), *args], cwd=tmp_path,
                              capture_output=True, text=True, check=False)

    load = run("load", str(tmp_path / "ta.csv"), "--schema", "H01A")
    assert load.returncode == 0, load.stdout + load.stderr
    built = run("build")
    assert built.returncode == 0, built.stdout + built.stderr
    report = run("report", "services", "--from", "2024-01-01", "--to", "2024-12-31", "--format", "json")
    assert report.returncode == 0, report.stdout + report.stderr
    assert "Temporary Accommodation" in report.stdout
    server = run("--target", "postgres", "report", "services")
    assert server.returncode == 1
    assert "pip install 'costcalc[engines]'" in server.stderr + server.stdout
    assert "Traceback" not in server.stderr


# ----------------------------------------------------------------- opening a DuckDB file

def test_a_read_only_open_never_creates_a_warehouse(tmp_path):
    missing = tmp_path / "sub" / "none.duckdb"
    with pytest.raises(WarehouseMissing, match="No warehouse at"):
        open_warehouse("duckdb", missing, read_only=True)
    assert not missing.parent.exists()
    with pytest.raises(EngineError, match="is a folder"):
        open_warehouse("duckdb", tmp_path)
    con = open_warehouse("duckdb", missing)  # read-write creates folder and file
    con.close()
    ro = open_warehouse("duckdb", missing, read_only=True)
    try:
        with pytest.raises(Exception, match="read-only"):
            ro.execute("CREATE TABLE t (a INT)")
    finally:
        ro.close()


# ----------------------------------------------------------------- on every engine

def test_batches_are_passed_explicitly(fresh_engine, tmp_path):
    """insert_from reads the data given, a DataFrame or a typed Arrow table, on every engine."""
    con = fresh_engine.open(tmp_path / "wh.duckdb")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS scratch")
        con.execute("CREATE TABLE scratch.t (n BIGINT, s VARCHAR, d DATE, m DECIMAL(18,4))")
        typed = "n, s, d, m" if fresh_engine.name == "duckdb" else \
            "n, s, CAST(d AS DATE), CAST(m AS DECIMAL(18,4))"
        arrow = pa.table({"n": pa.array([1, 2], pa.int64()), "s": pa.array(["a", None]),
                          "d": pa.array([dt.date(2024, 2, 29), None], pa.date32()),
                          "m": pa.array([decimal.Decimal("12.5"), None], pa.decimal128(18, 4))})
        insert_from(con, "_batch", arrow, f"INSERT INTO scratch.t SELECT {typed} FROM _batch")
        frame = pd.DataFrame({"n": [3], "s": ["c"], "d": ["2024-03-01"], "m": ["0.0001"]})
        insert_from(con, "_batch", frame, "INSERT INTO scratch.t SELECT n, s, CAST(d AS DATE), "
                                          "CAST(m AS DECIMAL(18,4)) FROM _batch")
        rows = con.execute("SELECT n, s, d, m FROM scratch.t ORDER BY n").fetchall()
    finally:
        con.close()
    assert rows == [(1, "a", dt.date(2024, 2, 29), decimal.Decimal("12.5000")), (2, None, None, None),
                    (3, "c", dt.date(2024, 3, 1), decimal.Decimal("0.0001"))]


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ? "
        "ORDER BY ordinal_position", [table]).fetchall()]


def test_the_raw_layer_is_made_as_declared(fresh_engine, tmp_path):
    con = fresh_engine.open(tmp_path / "wh.duckdb")
    try:
        ensure_raw(con)
        ensure_raw(con)  # idempotent
        from costcalc.schemas import load_schemas

        for table in raw_layer.raw_tables(load_schemas().values()):
            assert _columns(con, table.name) == [c.name for c in table.columns], table.name
    finally:
        con.close()


def test_a_column_added_to_the_declaration_reaches_existing_warehouses_and_dbt(fresh_engine, tmp_path,
                                                                                monkeypatch):
    """Adding a column is one line in raw_layer; a warehouse made before gains it (its old
    rows NULL), loads go on, and dbt's registry and sources name it."""
    wh = tmp_path / "wh.duckdb"
    csv = tmp_path / "ta.csv"
    csv.write_text(H01A_CSV, encoding="utf-8")
    with fresh_engine.selected():
        first = load_file(wh, csv, schema="H01A")
    assert first.status == "loaded", first.message

    new = raw_layer.RawColumn("received_via", "string", "How the file reached the council (a test column).")
    widened = raw_layer.RawTable("load_log", raw_layer.LOAD_LOG.description, raw_layer.LOAD_LOG.columns + (new,))
    monkeypatch.setattr(raw_layer, "LOADER_TABLES", (widened, raw_layer.REJECTED_ROWS))

    second_file = tmp_path / "ta2.csv"
    second_file.write_text(H01A_CSV.replace("P1,", "P9,"), encoding="utf-8")
    with fresh_engine.selected():
        second = load_file(wh, second_file, schema="H01A")  # its ensure_raw migrates
    assert second.status == "loaded", second.message
    con = fresh_engine.open(wh)
    try:
        assert _columns(con, "load_log")[-1] == "received_via"
        rows = con.execute("SELECT source_file, received_via FROM raw.load_log ORDER BY load_id").fetchall()
        assert rows == [("ta.csv", None), ("ta2.csv", None)]
        ensure_raw(con)  # nothing left to add
        assert _columns(con, "load_log").count("received_via") == 1
    finally:
        con.close()
    assert '{"name": "received_via", "sql_type": "string"}' in registry.render_macro()
    assert _source_columns("load_log")[-1] == {"name": "received_via", "data_type": "varchar",
                                               "description": "How the file reached the council (a test column)."}


def _source_columns(table: str) -> list[dict]:
    import yaml

    doc = yaml.safe_load(registry.render_sources())
    (raw,) = doc["sources"]
    (t,) = [t for t in raw["tables"] if t["name"] == table]
    return t["columns"]


def test_the_dbt_registry_and_sources_render_from_the_declaration():
    macro = registry.render_macro()
    for table in raw_layer.LOADER_TABLES:
        assert _source_columns(table.name) == [
            {"name": c.name, "description": c.description, "data_type": raw_layer.DUCKDB_TYPES[c.type].lower()}
            for c in table.columns]
        for col in table.columns:
            assert f'{{"name": "{col.name}", "sql_type": "{col.type}"}}' in macro
    assert [c["name"] for c in _source_columns("h01a")[:5]] == [c.name for c in raw_layer.LINEAGE_COLUMNS]
    for col in raw_layer.LINEAGE_COLUMNS:
        assert f'{{"name": "{col.name}", "sql_type": "{col.type}"}}' in macro
