"""The watched folder against hostile or careless drops (issue 10 items 1 and 10):
symbolic links, files still being written, absurdly long names. Real files, the real
loader, a real DuckDB warehouse."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from costcalc.watch.folder import Watcher
from watch_helpers import (GS00_HEADERS, H01A_HEADERS, csv_text, files_in, gs00_rows, h01a_rows, read_report,
                           wait_for, write_csv)


def run_once(warehouse, root):
    return CliRunner().invoke(main, ["--warehouse", str(warehouse), "watch", str(root), "--once",
                                     "--no-build", "--settle", "0"])


def load_log(warehouse) -> list[tuple]:
    if not Path(warehouse).exists():
        return []
    with duckdb.connect(str(warehouse)) as con:
        return con.execute("SELECT source_file, provider, status, rows_accepted FROM raw.load_log "
                           "ORDER BY load_id").fetchall()


def victim_warehouse(path: Path) -> bytes:
    """Another DuckDB warehouse: the file an attacker points a link at."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE precious AS SELECT 42 AS answer")
    return path.read_bytes()


def bad_rows(n: int) -> list[list]:
    rows = h01a_rows(n)
    rows[0][6] = None  # no date of birth: rejected, so an error report is written
    return rows


# ---------------------------------------------------------------- 1a: the error report


@pytest.mark.parametrize("planted", [".ta.csv.errors.csv.tmp", "ta.csv.errors.csv"])
def test_loader_report_never_writes_through_a_planted_link(tmp_path, planted):
    """The loader wrote its report through `.NAME.errors.csv.tmp`, following a link planted
    there: it overwrote a DuckDB warehouse with CSV. Neither that name nor the report's own
    may be followed."""
    victim = tmp_path / "other.duckdb"
    before = victim_warehouse(victim)
    folder = tmp_path / "drop"
    f = write_csv(folder / "ta.csv", H01A_HEADERS, bad_rows(3))
    (folder / planted).symlink_to(victim)

    result = load_file(tmp_path / "wh.duckdb", f)
    assert result.status == "loaded" and result.rows_rejected == 1
    assert victim.read_bytes() == before
    with duckdb.connect(str(victim)) as con:
        assert con.execute("SELECT answer FROM precious").fetchone() == (42,)
    report = folder / "ta.csv.errors.csv"
    assert report.is_file() and not report.is_symlink()
    assert read_report(report)[0]["column"] == "dob"


def test_watched_folder_report_never_writes_through_a_planted_link(tmp_path):
    victim = tmp_path / "other.duckdb"
    before = victim_warehouse(victim)
    drop = tmp_path / "drop"
    inc = drop / "housing_needs" / "incoming"
    write_csv(inc / "ta.csv", H01A_HEADERS, bad_rows(3))
    (inc / ".ta.csv.errors.csv.tmp").symlink_to(victim)
    (drop / "housing_needs" / "loaded").mkdir()
    (drop / "housing_needs" / "loaded" / "ta.csv.errors.csv").symlink_to(victim)

    assert run_once(tmp_path / "wh.duckdb", drop).exit_code == 0
    assert victim.read_bytes() == before
    loaded = drop / "housing_needs" / "loaded"
    [name] = [n for n in files_in(loaded) if n.endswith(".csv") and not n.endswith(".errors.csv")]
    assert name != "ta.csv"  # the name was taken (by the link): another is chosen, nothing replaced
    assert (loaded / (name + ".errors.csv")).is_file()
    assert (loaded / "ta.csv.errors.csv").is_symlink()  # left alone, not written through


# ---------------------------------------------------------------- 1b: linked folders


def test_linked_incoming_does_not_take_another_providers_loaded_files(tmp_path, caplog):
    """`mallory/incoming` -> `housing_needs/loaded`: scan() followed it and moved the
    other provider's loaded files into mallory's folder."""
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    hn = drop / "housing_needs"
    write_csv(hn / "incoming" / "ta.csv", H01A_HEADERS, h01a_rows(2))
    assert run_once(wh, drop).exit_code == 0
    assert files_in(hn / "loaded") == ["ta.csv"]
    (drop / "mallory").mkdir()
    (drop / "mallory" / "incoming").symlink_to(hn / "loaded")

    caplog.set_level(logging.WARNING)
    assert run_once(wh, drop).exit_code == 0
    assert files_in(hn / "loaded") == ["ta.csv"]
    assert not (drop / "mallory" / "loaded").exists() and not (drop / "mallory" / "rejected").exists()
    assert [r[:3] for r in load_log(wh)] == [("ta.csv", "housing_needs", "loaded")]
    assert "mallory/incoming is a symbolic link" in caplog.text


def test_linked_provider_folder_outside_the_root_is_never_touched(tmp_path, caplog):
    """A provider folder that is a link to a folder outside the drop root: its files were
    loaded and moved out of it."""
    outside = tmp_path / "outside"
    secret = write_csv(outside / "incoming" / "gs.csv", GS00_HEADERS, gs00_rows(2))
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    drop.mkdir()
    (drop / "mallory").symlink_to(outside)

    caplog.set_level(logging.WARNING)
    assert run_once(wh, drop).exit_code == 0
    assert secret.exists() and files_in(outside) == ["incoming"]
    assert load_log(wh) == []
    assert "mallory in the drop folder is a symbolic link" in caplog.text


@pytest.mark.parametrize("linked", ["subfolder", "loaded", "rejected"])
def test_linked_subfolders_neither_read_nor_written(tmp_path, linked):
    """A file-type folder linked outside the root is not read; a `loaded/` or `rejected/`
    linked outside the root never receives a file: files stay inside the drop root."""
    outside = tmp_path / "outside"
    outside.mkdir()
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    inc = drop / "housing_needs" / "incoming"
    inc.mkdir(parents=True)
    if linked == "subfolder":
        f = write_csv(outside / "gs.csv", GS00_HEADERS, gs00_rows(1))
        (inc / "general_service").symlink_to(outside)
    else:
        f = write_csv(inc / "gs.csv", GS00_HEADERS, gs00_rows(1))
        (drop / "housing_needs" / linked).symlink_to(outside)
        if linked == "rejected":
            f.write_text("colour,size\nred,L\n")  # would be rejected
    result = run_once(wh, drop)
    assert f.exists()
    assert files_in(outside) == (["gs.csv"] if linked == "subfolder" else [])
    assert load_log(wh) == []
    if linked == "subfolder":  # the link itself is moved aside, as a linked file is
        assert result.exit_code == 1, result.output
        assert (drop / "housing_needs" / "rejected" / "general_service").is_symlink()
    else:  # the provider's files wait until its folder is a real folder again
        assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- 1c: linked files


def test_link_to_a_file_outside_is_not_loaded_and_moved_aside(tmp_path, caplog):
    """A link to a file outside the drop root was loaded as that provider's data, and its
    personal values went into that provider's error report."""
    outside = write_csv(tmp_path / "elsewhere" / "people.csv", H01A_HEADERS, bad_rows(3))
    before = outside.read_bytes()
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    inc = drop / "housing_needs" / "incoming"
    inc.mkdir(parents=True)
    (inc / "ta.csv").symlink_to(outside)

    caplog.set_level(logging.INFO)
    result = run_once(wh, drop)
    assert result.exit_code == 1  # refused: see rejected/
    rejected = drop / "housing_needs" / "rejected"
    assert files_in(rejected) == ["ta.csv", "ta.csv.errors.csv"]
    assert (rejected / "ta.csv").is_symlink()  # the link itself moved aside, its target untouched
    assert outside.read_bytes() == before and files_in(outside.parent) == ["people.csv"]
    [row] = read_report(rejected / "ta.csv.errors.csv")
    assert "symbolic link" in row["reason"]
    report_text = (rejected / "ta.csv.errors.csv").read_text()
    assert "Testname" not in report_text and "SW1A" not in report_text
    assert load_log(wh) == []
    assert "Testname" not in caplog.text


def test_link_swapped_in_after_the_scan_is_never_read(tmp_path):
    """The file is opened without following a link: one swapped in between the settle
    check and the load is refused, never loaded."""
    outside = write_csv(tmp_path / "elsewhere" / "people.csv", H01A_HEADERS, h01a_rows(3))
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    f = write_csv(drop / "housing_needs" / "incoming" / "ta.csv", H01A_HEADERS, h01a_rows(1))
    w = Watcher(drop, wh, settle=0, build=False)
    ready = w.ready_candidates()
    assert [c.path.name for c in ready] == ["ta.csv"]
    f.unlink()
    f.symlink_to(outside)
    batch = w.process_batch(ready)
    assert [o.status for o in batch.outcomes] == ["rejected"]
    assert load_log(wh) == []
    assert (drop / "housing_needs" / "rejected" / "ta.csv").is_symlink()


# ---------------------------------------------------------------- 10: files still being written


def test_csv_paused_mid_write_is_not_loaded_half(tmp_path):
    """Issue 10 item 10: a CSV still being written, with a 6 s pause after 30 of its 60
    rows, was loaded with 30 rows: the pause was longer than the settle interval (2 s here,
    so that the pause outlasts it whatever the scan's timing). The writer still holds the
    file open, which filesystem events show."""
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    inc = drop / "housing_needs" / "incoming"
    inc.mkdir(parents=True)
    text = csv_text(H01A_HEADERS, h01a_rows(60))
    lines = text.splitlines(keepends=True)
    w = Watcher(drop, wh, settle=2.0, build=False)
    stop = threading.Event()
    thread = threading.Thread(target=lambda: w.run(), daemon=True)
    thread.start()
    try:
        time.sleep(0.5)
        with open(inc / "ta.csv", "w") as fh:
            fh.writelines(lines[:31])  # header and 30 rows, each line complete
            fh.flush()
            time.sleep(6.0)
            fh.writelines(lines[31:])
        wait_for(lambda: (drop / "housing_needs" / "loaded" / "ta.csv").exists(), timeout=40)
    finally:
        w.stop()
        stop.set()
        thread.join(30)
    assert [(r[0], r[2], r[3]) for r in load_log(wh)] == [("ta.csv", "loaded", 60)]


def test_file_changed_during_the_load_is_rolled_back_and_loaded_later(tmp_path, caplog):
    """A write that lands while the load runs: nothing is committed; once the file settles
    again it is loaded whole."""
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    f = write_csv(drop / "housing_needs" / "incoming" / "ta.csv", H01A_HEADERS, h01a_rows(3))
    more = csv_text(H01A_HEADERS, h01a_rows(2, start=3)).split("\n", 1)[1]
    calls = []

    def appending_loader(warehouse, path, **kw):
        if not calls:
            with open(f, "a") as fh:  # the provider's copy goes on meanwhile
                fh.write(more)
        calls.append(Path(path).stat().st_size)
        return load_file(warehouse, path, **kw)

    caplog.set_level(logging.INFO)
    w = Watcher(drop, wh, settle=0, build=False, loader=appending_loader)
    assert w.run_once() == 0
    assert [o.status for o in w.batches[0].outcomes] == ["changed"]
    assert f.exists() and load_log(wh) == []  # rolled back: no load_log row, no rows
    with duckdb.connect(str(wh)) as con:
        assert con.execute("SELECT count(*) FROM raw.h01a").fetchone() == (0,)
    assert "changed while it was being loaded" in caplog.text

    assert Watcher(drop, wh, settle=0, build=False, loader=appending_loader).run_once() == 0
    assert [(r[0], r[2], r[3]) for r in load_log(wh)] == [("ta.csv", "loaded", 5)]


def test_csv_cut_off_mid_row_waits(tmp_path):
    from costcalc.watch.settling import looks_complete

    f = tmp_path / "a.csv"
    f.write_text("postcode,surname\nM1 1AE,Test")
    assert not looks_complete(f)
    f.write_text("postcode,surname\nM1 1AE,Test\r\n")
    assert looks_complete(f)


# ---------------------------------------------------------------- 10: long names, moves that fail


def test_second_drop_of_a_240_character_name_is_moved(tmp_path):
    """The second drop of a file with a 240-character name committed, then failed to move
    (its timestamped name was too long), and was retried every 10 s forever."""
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    inc, loaded = drop / "housing_needs" / "incoming", drop / "housing_needs" / "loaded"
    name = "t" * 236 + ".csv"
    write_csv(inc / name, H01A_HEADERS, h01a_rows(2))
    assert run_once(wh, drop).exit_code == 0
    write_csv(inc / name, H01A_HEADERS, h01a_rows(3, start=10))
    result = run_once(wh, drop)
    assert result.exit_code == 0, result.output
    assert name not in files_in(inc)
    names = files_in(loaded)
    assert len(names) == 2 and name in names
    other = next(n for n in names if n != name)
    assert other.endswith(".csv") and len(other.encode()) <= 255 - len(".errors.csv")
    assert [r[2:] for r in load_log(wh)] == [("loaded", 2), ("loaded", 3)]


def test_file_that_never_moves_is_given_up_once(tmp_path, monkeypatch, caplog):
    import costcalc.watch.handling as handling

    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    f = write_csv(drop / "housing_needs" / "incoming" / "ta.csv", H01A_HEADERS, h01a_rows(2))

    def locked(*args):
        raise PermissionError(13, "the file is open in another program")

    monkeypatch.setattr(handling, "move_no_clobber", locked)
    now = [0.0]
    calls = []

    def counting_loader(warehouse, path, **kw):
        calls.append(1)
        return load_file(warehouse, path, **kw)

    w = Watcher(drop, wh, settle=0, build=False, loader=counting_loader, clock=lambda: now[0])
    caplog.set_level(logging.INFO)
    for _ in range(20):  # far longer than the back-off: 20 ten-minute steps
        w.process_batch(w.ready_candidates())
        now[0] += 601.0
    assert len(calls) == handling.MOVE_ATTEMPTS
    assert caplog.text.count("gave up on housing_needs/ta.csv") == 1
    assert f.exists() and [r[2] for r in load_log(wh)] == ["loaded"]
    # A new version of the file is tried again.
    write_csv(f, H01A_HEADERS, h01a_rows(3))
    monkeypatch.undo()
    w.process_batch(w.ready_candidates())
    assert files_in(drop / "housing_needs" / "loaded") == ["ta.csv"]


def test_fifo_in_incoming_is_refused_without_blocking(tmp_path):
    """A named pipe would block a reader forever: it is never opened, only moved aside."""
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    inc = drop / "housing_needs" / "incoming"
    inc.mkdir(parents=True)
    os.mkfifo(inc / "ta.csv")
    result = run_once(wh, drop)
    assert result.exit_code == 1, result.output
    rejected = drop / "housing_needs" / "rejected"
    assert files_in(rejected) == ["ta.csv", "ta.csv.errors.csv"]
    assert "not a regular file" in read_report(rejected / "ta.csv.errors.csv")[0]["reason"]
    assert load_log(wh) == []
