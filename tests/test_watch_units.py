"""costcalc watch: the parts that need no warehouse (names, moves, file types, readiness)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from costcalc.schemas import FileType, load_file_types, load_schemas
from costcalc.safefs import move_no_clobber, opened_dir
from costcalc.watch.folder import (Candidate, ReadinessTracker, Watcher, decide_file_type, folder_key,
                                   free_name, ignore_reason, read_top_rows, recognise)
from watch_helpers import (GS00_HEADERS, H01A_HEADERS, RB03_HEADERS, gs00_rows, h01a_rows, rb03_rows,
                           write_csv, write_xlsx)


@pytest.mark.parametrize("name", ["~$ta.xlsx", ".hidden.csv", "ta.xlsx.part", "ta.tmp", "ta.xlsx.crdownload",
                                  "ta.xlsx.errors.csv", "Thumbs.db", "desktop.ini", "ta.xlsx~", ".~lock.ta.xlsx#",
                                  "ta.xlsx.extract-date", "ta.xlsx.meta.yml", "costcalc.yml",
                                  ".costcalc-staging-ab12", "ta.xlsx.partial"])
def test_ignored_names(name):
    assert ignore_reason(name) is not None


@pytest.mark.parametrize("name", ["ta.xlsx", "TA March.XLSX", "data.csv", "scan.pdf", "noext"])
def test_candidate_names(name):
    assert ignore_reason(name) is None


def test_folder_key():
    assert folder_key("Housing Needs") == "housing_needs"
    assert folder_key("housing-needs ") == "housing_needs"
    assert folder_key("Temporary  Accommodation") == "temporary_accommodation"


def destination_for(folder, name, now):
    with opened_dir(folder) as fd:
        return folder / free_name(fd, name, now)


def test_destination_never_clashes(tmp_path):
    now = dt.datetime(2026, 3, 4, 5, 6, 7)
    assert destination_for(tmp_path, "ta.xlsx", now) == tmp_path / "ta.xlsx"
    (tmp_path / "ta.xlsx").write_text("old")
    assert destination_for(tmp_path, "ta.xlsx", now) == tmp_path / "ta_20260304T050607.xlsx"
    (tmp_path / "ta_20260304T050607.xlsx").write_text("older")
    assert destination_for(tmp_path, "ta.xlsx", now) == tmp_path / "ta_20260304T050607_2.xlsx"
    # A leftover error report also blocks the name (a file and its report stay paired).
    (tmp_path / "b.csv.errors.csv").write_text("x")
    assert destination_for(tmp_path, "b.csv", now) == tmp_path / "b_20260304T050607.csv"
    # A dangling link blocks the name too (nothing is ever replaced).
    (tmp_path / "c.csv").symlink_to(tmp_path / "nowhere")
    assert destination_for(tmp_path, "c.csv", now) == tmp_path / "c_20260304T050607.csv"


def test_destination_fits_the_name_length_with_its_report(tmp_path):
    """Issue 10 item 10: the second drop of a 240-character name got a timestamp that took
    it past NAME_MAX (255 bytes), so its move failed after the load had committed."""
    now = dt.datetime(2026, 3, 4, 5, 6, 7)
    name = "x" * 235 + ".xlsx"  # 240 characters: fits, with ".errors.csv" too
    (tmp_path / name).write_text("first drop")
    second = destination_for(tmp_path, name, now)
    assert second.suffix == ".xlsx" and second.name != name
    assert len(second.name.encode()) + len(".errors.csv") <= 255
    second.write_text("second")  # the name is usable, and so is its report's
    (tmp_path / (second.name + ".errors.csv")).write_text("report")
    third = destination_for(tmp_path, name, now)
    assert third not in (second, tmp_path / name) and len(third.name.encode()) + 11 <= 255
    assert destination_for(tmp_path, "é" * 200 + ".csv", now).name.encode().__len__() + 11 <= 255


def test_move_no_clobber_keeps_existing(tmp_path):
    src = tmp_path / "in" / "ta.csv"
    src.parent.mkdir()
    src.write_text("new")
    dst = tmp_path / "out" / "ta.csv"
    dst.parent.mkdir()
    dst.write_text("old")
    with opened_dir(src.parent) as sfd, opened_dir(dst.parent) as dfd:
        final = dst.parent / move_no_clobber(sfd, "ta.csv", dfd, "ta.csv", lambda n: free_name(dfd, n))
    assert final != dst and final.parent == dst.parent
    assert dst.read_text() == "old" and final.read_text() == "new"
    assert not src.exists()


def test_recognise_real_files(tmp_path):
    schemas = load_schemas().values()
    ta = write_xlsx(tmp_path / "ta.xlsx", H01A_HEADERS, h01a_rows(3))
    assert recognise(read_top_rows(ta), schemas).schema_codes[0] == "H01A"
    rb = write_csv(tmp_path / "rb.csv", RB03_HEADERS, rb03_rows(3))
    assert recognise(read_top_rows(rb), schemas).schema_codes[0] == "RB03"
    # Title rows above the header, and spelled-out headers.
    titled = write_xlsx(tmp_path / "titled.xlsx", ["Extract for March"],
                        [[], ["Ext Ref", "Post Code", "Surname", "Date of Birth", "Start Date", "Service"],
                         ["G1", "M1 1AE", "Testname", "1970-01-01", "2024-01-01", "Meals"]])
    assert recognise(read_top_rows(titled), schemas).schema_codes[0] == "GS00"


def test_recognise_names_missing_columns(tmp_path):
    f = write_csv(tmp_path / "x.csv", ["postcode", "surname", "startdate", "proptype"], [["M1 1AE", "T", "", "B"]])
    rec = recognise(read_top_rows(f), load_schemas().values())
    assert rec.schema_codes == ()
    assert rec.closest == "H01A" and "dob" in rec.missing


def test_decide_by_headers_and_provider(tmp_path):
    ta = write_xlsx(tmp_path / "ta.xlsx", H01A_HEADERS, h01a_rows(2))
    assert decide_file_type("housing_needs", None, ta).file_type == "temporary_accommodation"
    # Not this provider's: the loader is asked to load it as what it is, and refuses it.
    d = decide_file_type("revenues_benefits", None, ta)
    assert d.file_type == "temporary_accommodation" and d.reject is None
    gs = write_csv(tmp_path / "gs.csv", GS00_HEADERS, gs00_rows(2))
    # general_service is open to any provider, even one not named in the seed.
    assert decide_file_type("finance", None, gs).file_type == "general_service"
    assert decide_file_type("housing_needs", None, gs).file_type == "general_service"
    rb = write_csv(tmp_path / "rb.csv", RB03_HEADERS, rb03_rows(2))
    assert decide_file_type("revenues_benefits", None, rb).file_type == "housing_benefit_switch"


def test_decide_by_folder(tmp_path):
    f = tmp_path / "any.csv"
    assert decide_file_type("housing_needs", "Temporary Accommodation", f).file_type == "temporary_accommodation"
    assert decide_file_type("housing_needs", "temporary-accommodation", f).file_type == "temporary_accommodation"
    d = decide_file_type("housing_needs", "adult_social_care", f)
    assert d.file_type is None
    assert d.reject == ("provider 'housing_needs' is not allowed to send file type adult_social_care; "
                        "it may send: address_gazetteer, general_service, temporary_accommodation")
    # An unknown name is the loader's verdict (recorded in raw.load_log).
    assert decide_file_type("housing_needs", "Misc Stuff", f).file_type == "Misc Stuff"


def test_decide_prefers_named_provider_and_refuses_ambiguity(tmp_path):
    gs = write_csv(tmp_path / "gs.csv", GS00_HEADERS, gs00_rows(1))
    types = dict(load_file_types())
    types["meals"] = FileType("meals", "Meals on Wheels", "GS00", ("adult_social_care",))
    assert decide_file_type("adult_social_care", None, gs, file_types=types).file_type == "meals"
    assert decide_file_type("housing_needs", None, gs, file_types=types).file_type == "general_service"
    types["transport"] = FileType("transport", "Transport", "GS00", ("adult_social_care",))
    d = decide_file_type("adult_social_care", None, gs, file_types=types)
    assert d.reject is not None and "more than one file type" in d.reject
    assert "meals" in d.reject and "transport" in d.reject


def test_unreadable_or_unrecognised_files_go_to_the_loader_to_be_judged(tmp_path):
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4 not a spreadsheet")
    d = decide_file_type("housing_needs", None, pdf)
    assert d.file_type is None and d.reject is None
    odd = write_csv(tmp_path / "odd.csv", ["colour", "size"], [["red", "L"]])
    d = decide_file_type("housing_needs", None, odd)
    assert d.file_type is None and d.reject is None


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_readiness_needs_stable_size_and_time(tmp_path):
    clock = FakeClock()
    tr = ReadinessTracker(settle=2.0, grace=30.0, clock=clock)
    f = tmp_path / "a.csv"
    f.write_text("postcode\n")
    tr.observe([f])
    assert not tr.ready(f)
    clock.t += 1.0
    with open(f, "a") as fh:
        fh.write("M1 1AE\n")  # still being written: the clock restarts
    tr.observe([f])
    clock.t += 1.5
    tr.observe([f])
    assert not tr.ready(f)
    clock.t += 1.0
    tr.observe([f])
    assert tr.ready(f)
    f.unlink()
    tr.observe([])
    assert f not in tr.pending


def test_partial_workbook_waits_for_grace(tmp_path):
    whole = write_xlsx(tmp_path / "whole.xlsx", H01A_HEADERS, h01a_rows(50))
    half = tmp_path / "half.xlsx"
    half.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    clock = FakeClock()
    tr = ReadinessTracker(settle=1.0, grace=20.0, clock=clock)
    tr.observe([whole, half])
    clock.t += 1.5
    assert tr.ready(whole)
    assert not tr.ready(half)  # stable, but not a whole workbook yet
    clock.t += 20.0
    assert tr.ready(half)  # still broken after the grace time: the loader will judge it


def test_scan_finds_incoming_files_only(tmp_path):
    root = tmp_path / "drop"
    w = Watcher(root, tmp_path / "wh.duckdb", settle=0, build=False)
    root.mkdir()
    w.prepare_layout()
    inc = root / "housing_needs" / "incoming"
    write_csv(inc / "a.csv", GS00_HEADERS, gs00_rows(1))
    write_csv(inc / "temporary_accommodation" / "b.csv", H01A_HEADERS, h01a_rows(1))
    (inc / "~$a.xlsx").write_bytes(b"lock")
    (inc / "c.csv.part").write_text("partial")
    write_csv(inc / "deep" / "deeper" / "d.csv", GS00_HEADERS, gs00_rows(1))
    write_csv(root / "housing_needs" / "loaded" / "old.csv", GS00_HEADERS, gs00_rows(1))
    write_csv(root / "Finance Team" / "incoming" / "e.csv", GS00_HEADERS, gs00_rows(1))
    found = {(c.provider, c.subfolder, c.path.name) for c in w.scan()}
    assert found == {("housing_needs", None, "a.csv"),
                     ("housing_needs", "temporary_accommodation", "b.csv"),
                     ("finance_team", None, "e.csv")}
    assert all(isinstance(c, Candidate) for c in w.scan())


def test_layout_created_for_seeded_providers(tmp_path):
    w = Watcher(tmp_path, tmp_path / "wh.duckdb", build=False)
    w.prepare_layout()
    hn = tmp_path / "housing_needs"
    assert (hn / "incoming" / "temporary_accommodation").is_dir()
    assert (hn / "incoming" / "general_service").is_dir()
    assert not (hn / "incoming" / "adult_social_care").exists()
    assert (hn / "loaded").is_dir() and (hn / "rejected").is_dir()
    assert (tmp_path / "revenues_benefits" / "incoming" / "housing_benefit_switch").is_dir()


def test_watcher_refuses_ambiguous_file_without_calling_loader(tmp_path, monkeypatch):
    def loader(*a, **k):
        raise AssertionError("the loader must not be called when the file type is unclear")

    types = dict(load_file_types())
    types["meals"] = FileType("meals", "Meals", "GS00", ("housing_needs",))
    types["transport"] = FileType("transport", "Transport", "GS00", ("housing_needs",))
    monkeypatch.setattr("costcalc.watch.filetype.load_file_types", lambda: types)
    w = Watcher(tmp_path, tmp_path / "wh.duckdb", settle=0, build=False, loader=loader)
    f = write_csv(tmp_path / "housing_needs" / "incoming" / "gs.csv", GS00_HEADERS, gs00_rows(2))
    batch = w.process_batch(w.ready_candidates())
    assert [o.status for o in batch.outcomes] == ["rejected"]
    rejected = tmp_path / "housing_needs" / "rejected"
    assert (rejected / "gs.csv").exists() and not f.exists()
    report = (rejected / "gs.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert report.splitlines()[0].startswith('"The file was not loaded: the headers fit more than one file type')
    assert report.splitlines()[1] == "row,column,value,reason,hint"
    assert "more than one file type" in report


MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /srv/drop rw,relatime shared:20 - cifs //fileserver/drop rw,vers=3.0
41 22 0:36 / /srv/drop\\040local rw,relatime shared:21 - ext4 /dev/sdb1 rw
42 22 0:37 / /mnt/nfs rw,relatime - nfs4 server:/export rw
"""


def test_network_share_detection():
    from costcalc.watch.folder import filesystem_type, is_network_filesystem

    assert filesystem_type(Path("/srv/drop/housing_needs"), MOUNTINFO) == "cifs"
    assert filesystem_type(Path("/srv/drop local/x"), MOUNTINFO) == "ext4"
    assert filesystem_type(Path("/srv/dropbox"), MOUNTINFO) == "ext4"  # not under /srv/drop
    assert is_network_filesystem(Path("/mnt/nfs/drop"), MOUNTINFO)
    assert not is_network_filesystem(Path("/home/council"), MOUNTINFO)
