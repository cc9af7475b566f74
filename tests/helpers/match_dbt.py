"""Run costcalc's real matching models (models/intermediate/matching, models/restricted/match_links,
macros/matching with macros/portable)
with dbt on a DuckDB file holding given identity records.

The project made here is a small dbt project named ``costcalc`` whose
``int_identity_records`` and ``int_source_rows`` read two tables of the
warehouse (``bench_input.identity_records`` and ``bench_input.source_rows``),
and whose matching models and macros are the repository's own files
(copied fresh on every make_project). Used by bench/bench_matching.py and the matching
tests.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]

IDENTITY_COLUMNS = [
    ("record_key", "VARCHAR"), ("schema_code", "VARCHAR"), ("file_type", "VARCHAR"),
    ("source_row_count", "INTEGER"), ("first_loaded_at", "TIMESTAMP"), ("last_loaded_at", "TIMESTAMP"),
    ("first_load_order", "INTEGER"), ("surname_norm", "VARCHAR"), ("firstname_norm", "VARCHAR"),
    ("dob", "DATE"), ("postcode_norm", "VARCHAR"), ("nhs_number", "VARCHAR"), ("ni_number", "VARCHAR"),
    ("reference", "VARCHAR"), ("surname", "VARCHAR"), ("firstname", "VARCHAR"), ("postcode", "VARCHAR"),
    ("address", "VARCHAR"), ("inputs_hash", "VARCHAR"),
]
SOURCE_ROW_COLUMNS = [("record_key", "VARCHAR"), ("schema_code", "VARCHAR"),
                      ("source_file", "VARCHAR"), ("source_row", "INTEGER"), ("load_order", "INTEGER")]
DECISION_HEADER = ["decision", "record_key_a", "schema_code_a", "source_file_a", "source_row_a",
                   "record_key_b", "schema_code_b", "source_file_b", "source_row_b",
                   "decided_by", "reason", "decided_at"]


def _norm_name(s):
    if s is None:
        return None
    out = re.sub(r"[\W_]+", "", s).upper()
    return out or None


def identity_row(rec: dict) -> dict:
    """A generator record (tests/helpers/matchgen.py shape) as an int_identity_records row."""
    pc = rec.get("postcode")
    row = {
        "record_key": rec["record_key"], "schema_code": rec.get("schema_code", "GS00"),
        "file_type": rec.get("file_type", "general_service"), "source_row_count": 1,
        "first_loaded_at": rec.get("first_loaded_at"), "last_loaded_at": rec.get("first_loaded_at"),
        "first_load_order": rec.get("first_load_order", 1),
        "surname_norm": _norm_name(rec.get("surname")), "firstname_norm": _norm_name(rec.get("firstname")),
        "dob": rec.get("dob"), "postcode_norm": pc.replace(" ", "").upper() if pc else None,
        "nhs_number": rec.get("nhs_number"), "ni_number": rec.get("ni_number"),
        "reference": rec.get("reference"), "surname": rec.get("surname"), "firstname": rec.get("firstname"),
        "postcode": pc, "address": rec.get("address"),
    }
    return row


def input_tables(records: list[dict]) -> list[tuple[str, list, list[dict]]]:
    """The matching models' two input tables from generator records: (table, columns, rows)."""
    identity, source = [], []
    for i, r in enumerate(records):
        row = identity_row(r)
        src = {"record_key": r["record_key"], "schema_code": r.get("schema_code", "GS00"),
               "source_file": r.get("source_file", "file.csv"), "source_row": r.get("source_row", i + 2),
               "load_order": r.get("first_load_order", 1)}
        # the record's fingerprint (int_records.inputs_hash): int_match_record_details keeps its
        # details while it stays; here a hash of the record's row and of its source row
        row["inputs_hash"] = hashlib.md5(repr((sorted(row.items(), key=str), sorted(src.items()))).encode()).hexdigest()
        identity.append(row)
        source.append(src)
    return [("identity_records", IDENTITY_COLUMNS, identity), ("source_rows", SOURCE_ROW_COLUMNS, source)]


def write_input(warehouse: Path, records: list[dict]) -> None:
    """(Re)write bench_input.identity_records and bench_input.source_rows from generator records."""
    import pandas as pd

    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists bench_input")
        for table, columns, rows in input_tables(records):
            df = pd.DataFrame(rows, columns=[c for c, _ in columns])
            cols = ", ".join(f"cast({c} as {t}) as {c}" for c, t in columns)
            con.register("df_in", df)
            con.execute(f"create or replace table bench_input.{table} as select {cols} from df_in")
            con.unregister("df_in")
    finally:
        con.close()


def write_input_postgres(dsn: str, records: list[dict]) -> None:
    """The same input tables in PostgreSQL (psycopg2 DSN), for checking the models there."""
    import psycopg2
    from psycopg2.extras import execute_values

    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute("create schema if not exists bench_input")
        for table, cols, rows in input_tables(records):
            cur.execute(f"drop table if exists bench_input.{table} cascade")
            cur.execute(f"create table bench_input.{table} ("
                        + ", ".join(f"{c} {t}" for c, t in cols) + ")")
            execute_values(cur, f"insert into bench_input.{table} values %s",
                           [[row[c] for c, _ in cols] for row in rows], page_size=5000)


def make_project(root: Path, warehouse: Path | None, decisions: list[dict] | None = None,
                 postgres: dict | None = None, spark: bool = False) -> Path:
    """A dbt project in ``root`` running the repository's matching models on ``warehouse``
    (or on PostgreSQL: ``postgres`` = host, port, user, dbname; or, with ``spark``, in this
    process's Spark session: costcalc.warehouse.engines.spark_session, dbt-spark's session method)."""
    root = Path(root)
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "macros").mkdir(exist_ok=True)
    (root / "seeds").mkdir(exist_ok=True)
    # Copies, not links or absolute paths: dbt writes compiled SQL beside a
    # model that lives outside its project, over the model file itself.
    for dest, src in ((root / "models" / "matching", REPO / "models" / "intermediate" / "matching"),
                      (root / "macros" / "matching", REPO / "macros" / "matching"),
                      (root / "macros" / "portable", REPO / "macros" / "portable"),
                      # names and address lines are normalised as the households' are
                      (root / "macros" / "normalise", REPO / "macros" / "normalise"),
                      (root / "macros" / "households", REPO / "macros" / "households"),
                      # forget_changed: int_match_record_details is kept by record
                      (root / "macros" / "incremental", REPO / "macros" / "incremental")):
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest)
    # the match evidence lives with the restricted models
    shutil.copy(REPO / "models" / "restricted" / "match_links.sql", root / "models" / "matching" / "match_links.sql")
    (root / "tests").mkdir(exist_ok=True)
    for test in (REPO / "tests" / "dbt").glob("assert_match_*.sql"):
        shutil.copy(test, root / "tests" / test.name)
    shutil.copy(REPO / "macros" / "generate_schema_name.sql", root / "macros" / "generate_schema_name.sql")
    (root / "models" / "int_identity_records.sql").write_text(
        "select * from bench_input.identity_records\n")
    (root / "models" / "int_source_rows.sql").write_text(
        "select * from bench_input.source_rows\n")
    for name in ("match_name_variants.csv", "match_decisions.yml", "match_placeholders.csv"):
        shutil.copy(REPO / "seeds" / name, root / "seeds" / name)
    write_decisions(root / "seeds" / "match_decisions.csv", decisions or [])
    text = "varchar" if not spark else "string"  # Spark has no varchar without a length
    (root / "dbt_project.yml").write_text(
        "name: costcalc\nversion: '0.1.0'\nconfig-version: 2\nprofile: costcalc_bench\n"

        "flags:\n  send_anonymous_usage_stats: false\n  use_colors: false\n"
        "models:\n  costcalc:\n    +schema: intermediate\n    +materialized: table\n"
        + ("    +file_format: parquet\n" if spark else "")
        + "    int_identity_records: {+materialized: view}\n    int_source_rows: {+materialized: view}\n"
        "    matching:\n      match_links: {+schema: restricted}\n"
        "on-run-start:\n  - \"{{ match_string_functions() }}\"\n"
        "on-run-end:\n  - \"{{ match_warn_skipped_blocks() }}\"\n"
        "seeds:\n  costcalc:\n    +schema: staging\n"
        f"    match_placeholders:\n      +column_types: {{identifier: {text}, kind: {text}, value: {text}, "
        f"flag: {text}, meaning: {text}}}\n")
    if spark:
        (root / "profiles.yml").write_text(
            "costcalc_bench:\n  target: spark\n  outputs:\n    spark:\n      type: spark\n"
            "      method: session\n      host: localhost\n      schema: default\n      threads: 1\n")
    elif postgres:
        (root / "profiles.yml").write_text(
            "costcalc_bench:\n  target: postgres\n  outputs:\n    postgres:\n      type: postgres\n"
            + "".join(f"      {k}: {v!r}\n" if isinstance(v, str) else f"      {k}: {v}\n" for k, v in postgres.items())
            + "      password: ''\n      schema: public\n      threads: 1\n")
    else:
        (root / "profiles.yml").write_text(
            "costcalc_bench:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
            f"      path: '{Path(warehouse).resolve()}'\n      schema: main\n      threads: 1\n")
    return root


def write_decisions(path: Path, decisions: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=DECISION_HEADER, lineterminator="\n")
        w.writeheader()
        for d in decisions:
            w.writerow({k: d.get(k) for k in DECISION_HEADER})


def run_dbt(project: Path, *args: str) -> None:
    """``dbt <args>`` in the project; raises when dbt reports a failure."""
    from dbt.cli.main import dbtRunner

    res = dbtRunner().invoke([*args, "--project-dir", str(project), "--profiles-dir", str(project),
                              "--log-path", str(Path(project) / "logs"),
                              "--target-path", str(Path(project) / "target"), "--quiet"])
    if not res.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {res.exception or res.result}")


def build(project: Path) -> None:
    run_dbt(project, "build")


def write_input_spark(spark, records: list[dict]) -> None:
    """The same input tables in the Spark session's catalog (parquet), for checking the models there."""
    import pandas as pd

    spark.sql("create database if not exists bench_input")
    for table, cols, rows in input_tables(records):
        spark_types = {"VARCHAR": "string", "INTEGER": "int", "TIMESTAMP": "timestamp", "DATE": "date"}
        schema = ", ".join(f"{c} {spark_types[t]}" for c, t in cols)
        df = pd.DataFrame(rows, columns=[c for c, _ in cols])
        spark.sql(f"drop table if exists bench_input.{table}")
        sdf = spark.createDataFrame(df.astype(object).where(df.notna(), None), schema)
        sdf.write.format("parquet").saveAsTable(f"bench_input.{table}")
