"""`costcalc build`: runs dbt on the --warehouse file, prints a summary, exit code says how it went."""

from __future__ import annotations

import duckdb
from click.testing import CliRunner

from costcalc.cli import main


def test_build_command_summarises_and_fails_non_zero(tmp_path, monkeypatch):
    # keep dbt's artefacts out of the shared dbt_project/ folder
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    warehouse = tmp_path / "wh" / "costcalc.duckdb"
    runner = CliRunner()

    ok = runner.invoke(main, ["--warehouse", str(warehouse), "build", "--select", "stg_load_log"])
    assert ok.exit_code == 0, ok.output
    assert "build succeeded" in ok.output and "1 success" in ok.output
    with duckdb.connect(str(warehouse)) as con:  # the file is released, raw layer and model exist
        assert con.execute("select count(*) from staging.stg_load_log").fetchone() == (0,)
        assert con.execute("select count(*) from raw.h01a").fetchone() == (0,)

    bad = runner.invoke(main, ["--warehouse", str(tmp_path), "build", "--select", "stg_load_log"])
    assert bad.exit_code == 2  # an option error: a folder is not a warehouse file
    assert "is a folder; give the DuckDB file" in bad.output
