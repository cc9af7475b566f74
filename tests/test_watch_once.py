"""costcalc watch --once: real files, the real loader, a real DuckDB warehouse."""

from __future__ import annotations

import duckdb
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from costcalc.watch.folder import Watcher
from watch_helpers import (GS00_HEADERS, H01A_HEADERS, RB03_HEADERS, files_in, gs00_rows, h01a_rows,
                           rb03_rows, read_report, write_csv, write_xlsx)


def run_once(warehouse, root, *extra):
    result = CliRunner().invoke(main, ["--warehouse", str(warehouse), "watch", str(root), "--once",
                                       "--no-build", "--settle", "0", *extra])
    return result


def load_log(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute("SELECT source_file, provider, file_type, status, rows_accepted "
                           "FROM raw.load_log ORDER BY load_id").fetchall()


def count(warehouse, table) -> int:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]


@pytest.fixture()
def drop(tmp_path):
    root = tmp_path / "drop"
    root.mkdir()
    return root


def test_once_loads_waiting_files(tmp_path, drop):
    wh = tmp_path / "wh" / "costcalc.duckdb"
    hn, rb = drop / "housing_needs", drop / "revenues_benefits"
    write_xlsx(hn / "incoming" / "ta_march.xlsx", H01A_HEADERS, h01a_rows(4))  # recognised from headers
    write_csv(hn / "incoming" / "general_service" / "meals.csv", GS00_HEADERS, gs00_rows(3))  # by folder
    write_csv(rb / "incoming" / "Housing Benefit Switch" / "switch.csv", RB03_HEADERS, rb03_rows(2))
    (hn / "incoming" / "~$ta_march.xlsx").write_bytes(b"owner lock")

    result = run_once(wh, drop)
    assert result.exit_code == 0, result.output

    assert files_in(hn / "loaded") == ["meals.csv", "ta_march.xlsx"]
    assert files_in(rb / "loaded") == ["switch.csv"]
    assert files_in(hn / "incoming") == ["address_gazetteer", "general_service", "temporary_accommodation",
                                          "~$ta_march.xlsx"]  # a folder per file type the provider may send
    assert sorted(load_log(wh)) == [
        ("meals.csv", "housing_needs", "general_service", "loaded", 3),
        ("switch.csv", "revenues_benefits", "housing_benefit_switch", "loaded", 2),
        ("ta_march.xlsx", "housing_needs", "temporary_accommodation", "loaded", 4),
    ]
    assert count(wh, "h01a") == 4 and count(wh, "rb03") == 2 and count(wh, "gs00") == 3


def test_disallowed_provider_is_rejected_with_reason(tmp_path, drop):
    wh = tmp_path / "wh.duckdb"
    rb, hn = drop / "revenues_benefits", drop / "housing_needs"
    write_xlsx(rb / "incoming" / "ta.xlsx", H01A_HEADERS, h01a_rows(2))  # H01A is housing_needs' only
    write_csv(hn / "incoming" / "adult_social_care" / "care.csv", GS00_HEADERS, gs00_rows(1))
    write_csv(hn / "incoming" / "ok.csv", GS00_HEADERS, gs00_rows(2))

    result = run_once(wh, drop)
    assert result.exit_code == 1, result.output

    assert files_in(rb / "rejected") == ["ta.xlsx", "ta.xlsx.errors.csv"]
    [row] = read_report(rb / "rejected" / "ta.xlsx.errors.csv")
    assert "'revenues_benefits' may not send Temporary Accommodation files" in row["reason"]
    assert files_in(hn / "rejected") == ["care.csv", "care.csv.errors.csv"]
    [row] = read_report(hn / "rejected" / "care.csv.errors.csv")
    assert "'housing_needs' is not allowed to send file type adult_social_care" in row["reason"]
    assert files_in(hn / "loaded") == ["ok.csv"]
    # The loader's refusal is on record in the load log (the watcher's own, by folder, is
    # not: it never reached the loader); no row of either reached the raw tables.
    assert sorted(r[:4] for r in load_log(wh)) == [
        ("ok.csv", "housing_needs", "general_service", "loaded"),
        ("ta.xlsx", "revenues_benefits", "temporary_accommodation", "rejected"),
    ]
    assert count(wh, "h01a") == 0 and count(wh, "gs00") == 2


def test_loader_rejections_and_row_errors_keep_their_report(tmp_path, drop):
    wh = tmp_path / "wh.duckdb"
    inc = drop / "housing_needs" / "incoming"
    # No surname column at all: the loader rejects the file.
    headers = [h for h in H01A_HEADERS if h != "surname"]
    write_csv(inc / "temporary_accommodation" / "nosurname.csv", headers,
              [r[:5] + r[6:] for r in h01a_rows(2)])
    # One row lacks its mandatory dob: the file loads, that row is reported.
    rows = h01a_rows(3)
    rows[1][6] = None
    write_xlsx(inc / "partial.xlsx", H01A_HEADERS, rows)

    result = run_once(wh, drop)
    assert result.exit_code == 1, result.output

    rejected, loaded = drop / "housing_needs" / "rejected", drop / "housing_needs" / "loaded"
    assert files_in(rejected) == ["nosurname.csv", "nosurname.csv.errors.csv"]
    assert files_in(loaded) == ["partial.xlsx", "partial.xlsx.errors.csv"]
    assert read_report(loaded / "partial.xlsx.errors.csv")  # the rejected row is listed
    statuses = {r[0]: (r[3], r[4]) for r in load_log(wh)}
    assert statuses["partial.xlsx"] == ("loaded", 2)
    assert statuses["nosurname.csv"][0] == "rejected"
    assert not [p for p in inc.rglob("*") if p.is_file()]


def test_name_clash_gets_timestamp_and_same_file_is_unchanged(tmp_path, drop):
    wh = tmp_path / "wh.duckdb"
    inc, loaded = drop / "housing_needs" / "incoming", drop / "housing_needs" / "loaded"
    first = write_csv(inc / "ta.csv", H01A_HEADERS, h01a_rows(2)).read_bytes()
    assert run_once(wh, drop).exit_code == 0

    write_csv(inc / "ta.csv", H01A_HEADERS, h01a_rows(3, start=10))  # same name, new content
    assert run_once(wh, drop).exit_code == 0
    (inc / "ta.csv").write_bytes(first)  # the first file, sent again
    assert run_once(wh, drop).exit_code == 0

    names = files_in(loaded)
    assert len(names) == 3 and names[0] == "ta.csv"
    assert all(n.startswith("ta_") and n.endswith(".csv") for n in names[1:])
    assert (loaded / "ta.csv").read_bytes() == first  # never overwritten
    assert [r[3] for r in load_log(wh)] == ["loaded", "loaded"]  # the resend loaded nothing
    assert count(wh, "h01a") == 5


def test_restart_after_crash_between_commit_and_move(tmp_path, drop):
    """The load committed, then the process died before moving the file."""
    wh = tmp_path / "wh.duckdb"
    inc = drop / "housing_needs" / "incoming"
    rows = h01a_rows(3)
    rows[0][6] = None  # one bad row, so the first load wrote an error report
    f = write_xlsx(inc / "ta.xlsx", H01A_HEADERS, rows)
    calls = []

    def crashing_loader(warehouse, path, **kw):
        result = load_file(warehouse, path, **kw)
        calls.append(result.status)
        raise KeyboardInterrupt  # the process dies right after the commit

    builds = []
    w = Watcher(drop, wh, settle=0, build=True, loader=crashing_loader,
                build_fn=lambda p: builds.append(p) or True)
    with pytest.raises(KeyboardInterrupt):
        w.run_once()
    assert calls == ["loaded"] and f.exists() and builds == []
    # The loader reads a private copy, so its report is not beside the provider's file.
    assert files_in(inc) == ["ta.xlsx"]

    restarted = Watcher(drop, wh, settle=0, build=True, build_fn=lambda p: builds.append(p) or True)
    assert restarted.run_once() == 0
    assert builds == [wh]  # the build the crash skipped
    [outcome] = restarted.batches[0].outcomes
    assert outcome.status == "unchanged"
    loaded = drop / "housing_needs" / "loaded"
    assert files_in(loaded) == ["ta.xlsx", "ta.xlsx.errors.csv"]
    assert files_in(inc) == []
    assert [r[3] for r in load_log(wh)] == ["loaded"]
    assert count(wh, "h01a") == 2


def test_build_owed_from_a_crash_runs_on_restart(tmp_path, drop):
    wh = tmp_path / "wh.duckdb"
    write_csv(drop / "housing_needs" / "incoming" / "ta.csv", H01A_HEADERS, h01a_rows(2))
    failing = Watcher(drop, wh, settle=0, build=True, build_fn=lambda p: False)
    assert failing.run_once() == 2  # loaded, but the build failed
    assert failing.build_marker.exists()

    builds = []
    w = Watcher(drop, wh, settle=0, build=True, build_fn=lambda p: builds.append(p) or True)
    assert w.run_once() == 0  # no files waiting: the owed build still runs
    assert builds == [wh] and not w.build_marker.exists()
    assert Watcher(drop, wh, settle=0, build=True, build_fn=lambda p: builds.append(p) or True).run_once() == 0
    assert len(builds) == 1  # nothing loaded, nothing owed: no build


def test_unreadable_and_unrecognised_files_are_rejected(tmp_path, drop):
    wh = tmp_path / "wh.duckdb"
    inc = drop / "housing_needs" / "incoming"
    inc.mkdir(parents=True)
    (inc / "scan.pdf").write_bytes(b"%PDF-1.4 scanned letter")
    write_csv(inc / "odd.csv", ["colour", "size"], [["red", "L"]])
    result = run_once(wh, drop)
    assert result.exit_code == 1
    rejected = drop / "housing_needs" / "rejected"
    assert files_in(rejected) == ["odd.csv", "odd.csv.errors.csv", "scan.pdf", "scan.pdf.errors.csv"]
    assert "PDF" in read_report(rejected / "scan.pdf.errors.csv")[0]["reason"]
    assert "no header row" in read_report(rejected / "odd.csv.errors.csv")[0]["reason"]
    assert sorted((r[0], r[3]) for r in load_log(wh)) == [("odd.csv", "rejected"), ("scan.pdf", "rejected")]


def test_unknown_file_type_folder_is_rejected(tmp_path, drop):
    wh = tmp_path / "wh.duckdb"
    write_csv(drop / "housing_needs" / "incoming" / "Misc" / "gs.csv", GS00_HEADERS, gs00_rows(1))
    assert run_once(wh, drop).exit_code == 1
    rejected = drop / "housing_needs" / "rejected"
    assert files_in(rejected) == ["gs.csv", "gs.csv.errors.csv"]
    assert "unknown file type 'Misc'" in read_report(rejected / "gs.csv.errors.csv")[0]["reason"]


def test_second_watcher_on_same_folder_is_refused(tmp_path, drop):
    from costcalc.watch.folder import FolderLock

    lock = FolderLock(drop)
    assert lock.acquire()
    try:
        result = run_once(tmp_path / "wh.duckdb", drop)
        assert result.exit_code == 2 and "already" in result.output
    finally:
        lock.release()


def test_busy_warehouse_leaves_the_file_for_the_next_run(tmp_path, drop):
    from costcalc.warehouse.connection import WarehouseBusy

    wh = tmp_path / "wh.duckdb"
    f = write_csv(drop / "housing_needs" / "incoming" / "ta.csv", H01A_HEADERS, h01a_rows(2))

    def busy(*a, **k):
        raise WarehouseBusy("the warehouse is in use by another process")

    assert Watcher(drop, wh, settle=0, build=False, loader=busy).run_once() == 2
    assert f.exists() and files_in(drop / "housing_needs" / "rejected") == []
    assert Watcher(drop, wh, settle=0, build=False).run_once() == 0
    assert files_in(drop / "housing_needs" / "loaded") == ["ta.csv"]


def test_unexpected_loader_failure_rejects_without_quoting_it_in_the_log(tmp_path, drop, caplog):
    wh = tmp_path / "wh.duckdb"
    write_csv(drop / "housing_needs" / "incoming" / "ta.csv", H01A_HEADERS, h01a_rows(2))

    def broken(*a, **k):
        raise ValueError("could not parse 'Testname0'")

    assert Watcher(drop, wh, settle=0, build=False, loader=broken).run_once() == 1
    rejected = drop / "housing_needs" / "rejected"
    assert files_in(rejected) == ["ta.csv", "ta.csv.errors.csv"]
    assert "Testname0" in read_report(rejected / "ta.csv.errors.csv")[0]["reason"]  # the report may quote it
    assert "ValueError" in caplog.text and "Testname0" not in caplog.text  # the log never does


def test_file_that_cannot_be_moved_is_finished_on_the_next_run(tmp_path, drop, monkeypatch):
    import costcalc.watch.handling as watch

    wh = tmp_path / "wh.duckdb"
    f = write_csv(drop / "housing_needs" / "incoming" / "ta.csv", H01A_HEADERS, h01a_rows(2))
    real_move = watch.move_no_clobber

    def locked(*args):
        raise PermissionError(13, "the file is open in another program")

    monkeypatch.setattr(watch, "move_no_clobber", locked)
    builds = []
    w = Watcher(drop, wh, settle=0, build=True, build_fn=lambda p: builds.append(p) or True)
    assert w.run_once() == 2
    assert f.exists() and builds == [] and w.build_marker.exists()  # loaded, but not finished

    monkeypatch.setattr(watch, "move_no_clobber", real_move)
    w = Watcher(drop, wh, settle=0, build=True, build_fn=lambda p: builds.append(p) or True)
    assert w.run_once() == 0
    assert [o.status for o in w.batches[0].outcomes] == ["unchanged"]
    assert files_in(drop / "housing_needs" / "loaded") == ["ta.csv"]
    assert builds == [wh] and [r[3] for r in load_log(wh)] == ["loaded"]
