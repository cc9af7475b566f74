"""``costcalc demo`` around the pipeline: it never touches a warehouse holding
real loads, and it starts from clean files and an empty warehouse."""

from __future__ import annotations

import duckdb
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.demo import generate
from costcalc.commands.demo import fresh_warehouse


def _warehouse_with_loads(path, names):
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute("create table raw.load_log (load_id bigint, source_file varchar)")
    for i, n in enumerate(names, 1):
        con.execute("insert into raw.load_log values (?, ?)", [i, n])
    con.close()


def test_demo_refuses_a_warehouse_with_real_loads(tmp_path):
    wh = tmp_path / "council.duckdb"
    _warehouse_with_loads(wh, ["TA_placements_2025-03-31.xlsx", "ASC extract March.xlsx"])
    before = wh.read_bytes()
    out = tmp_path / "demo_files"
    result = CliRunner().invoke(main, ["--warehouse", str(wh), "demo", "--out", str(out), "--people", "60"])
    assert result.exit_code != 0
    assert "not demo files" in result.output
    assert wh.read_bytes() == before
    assert not out.exists()  # refused before generating anything


def test_a_demo_warehouse_is_replaced_and_a_missing_one_is_fine(tmp_path):
    wh = tmp_path / "demo.duckdb"
    _warehouse_with_loads(wh, ["TA_placements_2025-03-31.xlsx", "HB_entitlement_snapshot_2025-10-31.csv"])
    restricted = tmp_path / "demo.restricted.duckdb"   # the demo's restricted file goes too
    duckdb.connect(str(restricted)).close()
    fresh_warehouse(wh)
    assert not wh.exists() and not restricted.exists()
    fresh_warehouse(wh)  # nothing there: nothing to do
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    fresh_warehouse(empty)
    assert not empty.exists()


def test_generating_again_replaces_the_previous_files(tmp_path):
    first = generate(tmp_path, people=300, seed=1, snapshots=6, intensity=3)
    report = first.files[0].path.with_name(first.files[0].name + ".errors.csv")
    report.write_text("row,reason\n", encoding="utf-8")
    keep = tmp_path / "my_notes.txt"
    keep.write_text("not the demo's", encoding="utf-8")
    second = generate(tmp_path, people=300, seed=1, snapshots=3, intensity=3)
    on_disk = {p.name for p in tmp_path.iterdir() if p.is_file()}
    assert on_disk == {f.name for f in second.files} | {"my_notes.txt"}
    assert len([f for f in second.files if f.schema_code == "RB01"]) == 3
    assert not report.exists()  # the old file's error report went with it
