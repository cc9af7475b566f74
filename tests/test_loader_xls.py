"""Old files as they are: .xls workbooks (Excel 97-2003), read with python-calamine
(docs/loading.md ".xls workbooks").

Every test writes a real .xls with xlwt and reads or loads it into a real DuckDB
warehouse; the hostile ones damage real files byte by byte.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
import xlwt
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from costcalc.ingest.readers import ReadError, open_rows, sniff
from loader_helpers import allow_rejected_rows, query
from xls_helpers import ErrorCell, huge_dimensions, set_formula_error, write_xls

HEAD = ["pin", "postcode", "surname", "dob", "residents", "startdate", "enddate", "cost", "proptype"]


def excel_serial(day: dt.date) -> float:
    return float((day - dt.date(1899, 12, 30)).days)


def good(pin="P1", **cells) -> list:
    row = dict(pin=pin, postcode="SW1A 1AA", surname="Smith", dob=dt.date(1985, 2, 3), residents=2,
               startdate=dt.date(2024, 4, 1), enddate=dt.date(2024, 4, 30), cost=100.0, proptype="PSL")
    row.update(cells)
    return [row[h] for h in HEAD]


def test_an_xls_is_read_first_sheet_with_dates_numbers_and_text(tmp_path):
    f = write_xls(tmp_path / "ta.xls", HEAD, [good(), good("P2", dob=dt.datetime(1985, 2, 3, 0, 0), residents=None)])
    src = open_rows(f)
    assert (src.kind, src.engine, src.first_row) == ("xls", "calamine-xls", 1)
    rows = list(src.rows)
    assert rows[0] == HEAD
    assert rows[1] == ["P1", "SW1A 1AA", "Smith", dt.date(1985, 2, 3), 2, dt.date(2024, 4, 1),
                       dt.date(2024, 4, 30), 100, "PSL"]
    assert rows[2][3] in (dt.date(1985, 2, 3), dt.datetime(1985, 2, 3))
    assert rows[2][4] == ""
    assert len(rows) == 3  # the second sheet is not read


def test_xls_is_recognised_by_content_whatever_its_name(tmp_path):
    f = write_xls(tmp_path / "ta.xls", HEAD, [good()])
    renamed = tmp_path / "ta_export.xlsx"
    renamed.write_bytes(f.read_bytes())
    noext = tmp_path / "ta_export"
    noext.write_bytes(f.read_bytes())
    assert sniff(renamed) == sniff(noext) == sniff(f) == "xls"
    assert list(open_rows(renamed).rows) == list(open_rows(f).rows)


def test_a_sheet_starting_below_and_right_of_a1_keeps_excel_row_and_column_positions(tmp_path):
    f = write_xls(tmp_path / "ta.xls", HEAD, [good()], first_row=2, first_col=1)
    rows = list(open_rows(f).rows)
    assert rows[0] == [""] * 9 + [""]  # row 1: nothing
    assert rows[2][:2] == ["", "pin"]  # row 3, column B


def test_an_xls_loads_with_dates_as_date_cells_datetimes_and_serial_numbers(tmp_path):
    wh = tmp_path / "wh.duckdb"
    rows = [good("P1"),
            good("P2", startdate=dt.datetime(2024, 5, 1, 0, 0), enddate=excel_serial(dt.date(2024, 5, 31))),
            good("P3", dob=excel_serial(dt.date(1990, 12, 25)), cost=70)]
    r = load_file(wh, write_xls(tmp_path / "ta_2024-06-01.xls", HEAD, rows))
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 3, 0)
    assert query(wh, "SELECT pin, dob, startdate, enddate, cost, proptype FROM raw.h01a ORDER BY _source_row") == [
        ("P1", dt.date(1985, 2, 3), dt.date(2024, 4, 1), dt.date(2024, 4, 30), 100, "PSL"),
        ("P2", dt.date(1985, 2, 3), dt.date(2024, 5, 1), dt.date(2024, 5, 31), 100, "PSL"),
        ("P3", dt.date(1990, 12, 25), dt.date(2024, 4, 1), dt.date(2024, 4, 30), 70, "PSL"),
    ]
    assert query(wh, "SELECT source_file, status FROM raw.load_log") == [("ta_2024-06-01.xls", "loaded")]


def test_error_cells_of_an_xls_are_rejected_not_read_as_blank(tmp_path, monkeypatch):
    """python-calamine reads an .xls error cell as blank: a #REF! cost would load as no cost."""
    allow_rejected_rows(monkeypatch, tmp_path)
    wh = tmp_path / "wh.duckdb"
    rows = [good("P1"), good("P2", cost=ErrorCell("#REF!")), good("P3", surname=ErrorCell("#N/A")),
            good("P4", startdate=xlwt.Formula("1/0")), good("P5")]
    f = write_xls(tmp_path / "ta.xls", HEAD, rows)
    set_formula_error(f, 4, HEAD.index("startdate"))  # Excel saves the formula's cached #DIV/0!
    r = load_file(wh, f)
    assert (r.rows_accepted, r.rows_rejected) == (2, 3)
    assert query(wh, "SELECT source_row, column_name, reason FROM raw.rejected_rows ORDER BY source_row") == [
        (3, "cost", "Excel error #REF! in cell"), (4, "surname", "Excel error #N/A in cell"),
        (5, "startdate", "Excel error #DIV/0! in cell")]
    assert query(wh, "SELECT pin FROM raw.h01a ORDER BY pin") == [("P1",), ("P5",)]


def _load_message(wh: Path, f: Path) -> str:
    r = load_file(wh, f)
    assert r.status == "rejected" and r.rows_accepted == 0
    return r.message


@pytest.mark.parametrize("keep", [600, 2048, 0.5, -100])
def test_a_truncated_xls_is_refused_with_a_clear_message(tmp_path, keep):
    whole = write_xls(tmp_path / "ta.xls", HEAD, [good()] * 20).read_bytes()
    cut = tmp_path / "cut.xls"
    cut.write_bytes(whole[:int(len(whole) * keep) if isinstance(keep, float) else keep])
    with pytest.raises(ReadError, match=r"^cut\.xls: the \.xls workbook is damaged or incomplete"):
        open_rows(cut)
    assert "damaged or incomplete" in _load_message(tmp_path / "wh.duckdb", cut)


def test_an_xls_that_makes_calamine_abort_is_refused_and_the_process_survives(tmp_path):
    f = write_xls(tmp_path / "dims.xls", HEAD, [good()])
    huge_dimensions(f)
    with pytest.raises(ReadError, match=r"^dims\.xls: the \.xls workbook is damaged or incomplete"):
        open_rows(f)


def test_randomly_damaged_xls_files_give_rows_or_a_read_error_never_a_crash(tmp_path):
    whole = bytearray(write_xls(tmp_path / "ta.xls", HEAD, [good()] * 5).read_bytes())
    rng = random.Random(12)
    outcomes = set()
    for i in range(60):
        data = bytearray(whole)
        for _ in range(rng.choice([1, 4, 16])):
            data[rng.randrange(512, len(data))] = rng.randrange(256)
        f = tmp_path / f"bad{i}.xls"
        f.write_bytes(bytes(data))
        try:
            list(open_rows(f).rows)
            outcomes.add("rows")
        except ReadError as exc:
            assert str(exc).startswith(f"bad{i}.xls: ")
            outcomes.add("refused")
    assert outcomes == {"rows", "refused"}


def test_ole_files_that_are_not_workbooks_and_web_pages_named_xls(tmp_path):
    blank = tmp_path / "blank.xls"
    blank.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    with pytest.raises(ReadError, match=r"^blank\.xls: the \.xls workbook is damaged"):
        open_rows(blank)
    page = tmp_path / "report.xls"
    page.write_text("<html><body><table><tr><td>pin</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(ReadError, match=r"^report\.xls: not an \.xls workbook but a web page"):
        open_rows(page)
    text = tmp_path / "list.xls"
    text.write_text("pin,postcode\nP1,SW1A 1AA\n", encoding="utf-8")
    with pytest.raises(ReadError, match=r"^list\.xls: not an \.xls workbook \(the content is plain text\)"):
        open_rows(text)


def test_costcalc_load_of_a_damaged_xls_prints_a_message_not_a_traceback(tmp_path):
    whole = write_xls(tmp_path / "ta.xls", HEAD, [good()] * 20).read_bytes()
    cut = tmp_path / "cut.xls"
    cut.write_bytes(whole[:3000])
    res = CliRunner().invoke(main, ["--warehouse", str(tmp_path / "wh.duckdb"), "load", str(cut)])
    assert "Traceback" not in res.output
    assert "cut.xls" in res.output and "damaged or incomplete" in res.output


# ------------------------------------------------------------------ the watched folder

def test_the_watcher_loads_an_xls_recognised_from_its_headers(tmp_path):
    from watch_helpers import H01A_HEADERS, files_in, h01a_rows

    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    inc = drop / "housing_needs" / "incoming"
    inc.mkdir(parents=True)
    write_xls(inc / "ta_2024-03-31.xls", H01A_HEADERS, h01a_rows(4))
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "watch", str(drop), "--once", "--no-build",
                                    "--settle", "0"])
    assert res.exit_code == 0, res.output
    assert files_in(drop / "housing_needs" / "loaded") == ["ta_2024-03-31.xls"]
    assert query(wh, "SELECT source_file, file_type, status, rows_accepted, extract_date FROM raw.load_log") == [
        ("ta_2024-03-31.xls", "temporary_accommodation", "loaded", 4, dt.date(2024, 3, 31))]


def test_a_partly_copied_xls_does_not_look_complete(tmp_path):
    from costcalc.watch.settling import looks_complete

    whole = write_xls(tmp_path / "src.xls", HEAD, [good()] * 50).read_bytes()
    f = tmp_path / "ta.xls"
    for n in (8, 4096, len(whole) // 2, len(whole) - 512):
        f.write_bytes(whole[:n])
        assert not looks_complete(f), n
    f.write_bytes(whole)
    assert looks_complete(f)


def test_the_watcher_rejects_an_xls_that_would_abort_calamine_and_goes_on(tmp_path):
    from watch_helpers import H01A_HEADERS, files_in, h01a_rows, read_report

    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    inc = drop / "housing_needs" / "incoming"
    inc.mkdir(parents=True)
    huge_dimensions(write_xls(inc / "bad.xls", H01A_HEADERS, h01a_rows(2)))
    write_xls(inc / "good.xls", H01A_HEADERS, h01a_rows(3))
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "watch", str(drop), "--once", "--no-build",
                                    "--settle", "0"])
    assert res.exit_code == 1, res.output  # one file rejected
    assert files_in(drop / "housing_needs" / "loaded") == ["good.xls"]
    rejected = drop / "housing_needs" / "rejected"
    assert files_in(rejected) == ["bad.xls", "bad.xls.errors.csv"]
    assert "damaged or incomplete" in read_report(rejected / "bad.xls.errors.csv")[0]["reason"]
    assert sorted((r[0], r[1]) for r in query(wh, "SELECT source_file, status FROM raw.load_log")) == [
        ("bad.xls", "rejected"), ("good.xls", "loaded")]
