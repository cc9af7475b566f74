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


def test_a_build_leaves_out_the_unit_tests_and_runs_them_with_unit_tests(tmp_path, monkeypatch):
    """dbt's unit tests check the code on static inputs, not the data: `costcalc build`
    leaves them out (dbt's --exclude-resource-type unit_test); `--unit-tests` runs every one,
    and the build's summary counts them."""
    from dbt_warehouse_helpers import unit_test_names

    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(tmp_path))  # dbt's artefacts in its .costcalc/dbt/target
    target = tmp_path / ".costcalc" / "dbt" / "target"
    warehouse = tmp_path / "wh" / "costcalc.duckdb"
    runner = CliRunner()

    plain = runner.invoke(main, ["--warehouse", str(warehouse), "build"])
    assert plain.exit_code == 0, plain.output
    assert "build succeeded" in plain.output and "unit tests" not in plain.output
    ran = _resource_types(target)
    assert "unit_test" not in ran and ran["model"] > 50 and ran["test"] > 100, ran

    with_units = runner.invoke(main, ["--warehouse", str(warehouse), "build", "--unit-tests"])
    assert with_units.exit_code == 0, with_units.output
    names = unit_test_names()
    assert len(names) >= 13
    assert f"(unit tests: {len(names)})" in with_units.output, with_units.output
    assert _resource_types(target)["unit_test"] == len(names)


def _resource_types(target) -> dict:
    import collections
    import json

    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return collections.Counter(r["unique_id"].split(".")[0] for r in results)
