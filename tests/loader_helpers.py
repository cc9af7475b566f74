"""Shared by the loader tests that compare two ways of loading the same file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from costcalc.ingest.landing import load_file


def query(wh: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def land(wh: Path, path: Path, **load_kw) -> tuple:
    """Load ``path`` into ``wh``; then what landed: (status, rows read, accepted,
    rejected), the raw.h01a rows in row order (without _load_id and _loaded_at) and
    raw.rejected_rows."""
    r = load_file(wh, path, **load_kw)
    data = query(wh, "SELECT * EXCLUDE (_loaded_at, _load_id) FROM raw.h01a ORDER BY _source_row")
    rejected = query(wh, "SELECT source_row, column_name, value, reason FROM raw.rejected_rows "
                         "ORDER BY source_row, column_name")
    return (r.status, r.rows_read, r.rows_accepted, r.rows_rejected), data, rejected


def project_settings(monkeypatch, folder: Path, text: str) -> Path:
    """Point COSTCALC_PROJECT_DIR at ``folder`` with ``text`` as its costcalc.yml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "costcalc.yml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(folder))
    return folder


def allow_rejected_rows(monkeypatch, tmp_path: Path) -> None:
    """Tests about row rejections load files whose rows are mostly bad on purpose:
    only a file with no good row is rejected whole (docs/settings.md)."""
    project_settings(monkeypatch, tmp_path / "project", "loading:\n  max_rejected_share: 1\n")
