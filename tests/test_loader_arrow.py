"""The loader's Arrow paths: CSV read by pyarrow (with the csv module as fallback),
columns validated and inserted as Arrow arrays, batches handed to server engines.

Every test compares with the plain path (csv module, Python rows), which the other
loader tests pin down: the fast path must give the same rows, numbers and results.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from costcalc.ingest import readers
from costcalc.ingest.landing import error_report_path, load_file
from costcalc.ingest.fastpaths import PY_WHITESPACE

HEAD = ["pin", "address1", "postcode", "ni", "firstname", "surname", "dob", "residents",
        "startdate", "enddate", "cost", "proptype"]


def good(i: int, **over) -> list[str]:
    row = {"pin": f"P{i}", "address1": f"{i} High St", "postcode": "sw1a1aa", "ni": "ab 12 34 56 c",
           "firstname": "Ann", "surname": "Smith", "dob": "01/02/1980", "residents": str(i % 5 + 1),
           "startdate": "01/04/2024", "enddate": "", "cost": f"£{i},234.5{i % 10}", "proptype": "B&B"}
    row.update(over)
    return [row[h] for h in HEAD]


def write(path: Path, rows: list[list], encoding="utf-8", newline="\n") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh, lineterminator=newline).writerows(rows)
    return path


def rows_with(engine: str, path: Path, monkeypatch) -> tuple[str, list[list]]:
    monkeypatch.setattr(readers.csv, "CSV_ENGINE", engine)
    src = readers.open_rows(path)
    try:
        return src.engine, list(src.rows)
    finally:
        src.close()


def blocks_with(path: Path, monkeypatch, n: int = 7) -> tuple[str, list[list]]:
    """All rows, read as the loader reads them (take_block), turned back into lists."""
    monkeypatch.setattr(readers.csv, "CSV_ENGINE", "arrow")
    src = readers.open_rows(path)
    out = src.take(3)
    while True:
        block = src.take_block(n)
        if not len(block):
            break
        out += block.to_rows() if isinstance(block, readers.ColumnBlock) else block
    src.close()
    return src.engine, out


def table(wh: Path, sql: str):
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


CASES = {
    "crlf_and_quotes": (['a,b,c', '"x ""q"" y",2,3', '"line1\r\nline2",,"£5"'], "\r\n", "utf-8"),
    "cr_only": (["a,b", "1,2", "3,4"], "\r", "utf-8"),
    "bom": (["a,b", "é,£"], "\n", "utf-8-sig"),
    "windows_1252": (["a,b", "Café,£2"], "\n", "cp1252"),
    "quote_inside_unquoted_cell": (['a,b', 'ab"c,2', '"ab"c,3'], "\n", "utf-8"),
    "whitespace_cells": (["a,b", " 1 , \t", ",\u00a0"], "\n", "utf-8"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_arrow_csv_rows_equal_the_csv_module(tmp_path, monkeypatch, case):
    lines, newline, encoding = CASES[case]
    p = tmp_path / "f.csv"
    p.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    engine, fast = rows_with("arrow", p, monkeypatch)
    assert engine == "arrow"
    assert fast == rows_with("csv", p, monkeypatch)[1]
    assert blocks_with(p, monkeypatch, 1)[1] == fast


def test_irregular_files_are_read_by_the_csv_module(tmp_path, monkeypatch):
    ragged = write(tmp_path / "ragged.csv", [["title"], ["a", "b"], ["1", "2", "3"]])
    assert rows_with("arrow", ragged, monkeypatch) == ("csv", [["title"], ["a", "b"], ["1", "2", "3"]])


def test_an_empty_line_is_a_blank_row_for_both_readers(tmp_path, monkeypatch):
    """Arrow gives an empty line as a record of empty cells, the csv module as [];
    both are blank rows (skipped, not counted) and both count for the row numbers."""
    p = tmp_path / "blank.csv"
    p.write_bytes(b"a,b\r\n1,2\r\n\r\n3,4\r\n\r\n")
    assert rows_with("arrow", p, monkeypatch) == ("arrow", [["a", "b"], ["1", "2"], ["", ""], ["3", "4"], ["", ""]])
    assert rows_with("csv", p, monkeypatch)[1] == [["a", "b"], ["1", "2"], [], ["3", "4"], []]
    one = tmp_path / "one.csv"
    one.write_bytes(b"surname\n\nSmith\n")
    assert rows_with("arrow", one, monkeypatch)[1] == [["surname"], [""], ["Smith"]]


def test_a_late_irregular_row_switches_to_the_csv_module_at_that_record(tmp_path, monkeypatch):
    """Arrow reads the first blocks; the csv module goes on from the first record Arrow
    cannot read (a wider row, then an unclosed quote), so no row is lost or repeated."""
    monkeypatch.setattr(readers.csv, "CSV_BLOCK_BYTES", 256)
    rows = [["a", "b", "c"]] + [[str(i), f"x{i}", "multi\nline" if i % 7 == 0 else "y"] for i in range(200)]
    rows.insert(150, ["wide", "row", "with", "four"])
    p = write(tmp_path / "late.csv", rows)
    with open(p, "a", encoding="utf-8") as fh:
        fh.write('"unclosed,1,2\nlast,1,2\n')
    expected = rows_with("csv", p, monkeypatch)[1]
    assert expected[150] == ["wide", "row", "with", "four"] and len(expected) == len(rows) + 1
    assert blocks_with(p, monkeypatch) == ("arrow", expected)
    assert rows_with("arrow", p, monkeypatch) == ("arrow", expected)


def landed(tmp_path: Path, name: str, rows: list[list], engine: str, monkeypatch, **write_kw):
    monkeypatch.setattr(readers.csv, "CSV_ENGINE", engine)
    (tmp_path / engine).mkdir(exist_ok=True)
    p = write(tmp_path / engine / name, rows, **write_kw)
    wh = tmp_path / engine / "wh.duckdb"
    r = load_file(wh, p)
    data = table(wh, "SELECT * EXCLUDE (_load_id, _loaded_at) FROM raw.h01a ORDER BY _source_row")
    rejected = table(wh, "SELECT source_row, column_name, value, reason FROM raw.rejected_rows "
                         "ORDER BY source_row, rowid")
    report = error_report_path(p).read_text(encoding="utf-8-sig") if error_report_path(p).exists() else None
    return (r.status, r.rows_read, r.rows_accepted, r.rows_rejected, r.message,
            [(e.row, e.column, e.value, e.reason) for e in r.errors]), data, rejected, report


def test_arrow_and_csv_module_loads_are_identical(tmp_path, monkeypatch):
    """Good rows, every kind of bad cell, blank rows, whitespace-only rows, extra
    columns, a row too wide and one too short (after Arrow's first blocks), across
    several batches."""
    import costcalc.ingest.landing as landing
    monkeypatch.setattr(landing, "BATCH_ROWS", 40)
    monkeypatch.setattr(readers.csv, "CSV_BLOCK_BYTES", 2048)
    head = ["Title: March extract"] + [""] * (len(HEAD))
    rows = [head, [""] * (len(HEAD) + 1), HEAD + ["Notes"]]
    for i in range(300):
        r = good(i) + [f"note {i}" if i % 3 else ""]
        if i % 17 == 0:
            r[HEAD.index("dob")] = "31/02/1980"
        if i % 23 == 0:
            r[HEAD.index("startdate")], r[HEAD.index("enddate")] = "02/05/2024", "01/05/2024"
        if i % 29 == 0:
            r[HEAD.index("cost")] = "tbc"
        if i % 31 == 0:
            r[HEAD.index("surname")] = "  "
        if i % 37 == 0:
            r = [""] * len(r)
        if i % 41 == 0:
            r = [" "] * len(r)
        if i == 43:
            r[HEAD.index("dob")] = "01/01/2199"
        if i == 47:
            r[HEAD.index("residents")] = "1.5"
        rows.append(r)
    rows.insert(250, good(900) + ["n", "beyond the header"])
    rows.insert(260, good(901)[:5])
    rows.insert(120, [])  # empty lines: records of empty cells for Arrow, [] for the csv module
    rows.insert(60, [])
    fast = landed(tmp_path, "h.csv", rows, "arrow", monkeypatch)
    slow = landed(tmp_path, "h.csv", rows, "csv", monkeypatch)
    assert fast == slow
    result, data, rejected, report = fast
    assert result[0] == "loaded" and result[3] > 20
    assert {r[3] for r in rejected} >= {"not a real date (read as dd/mm/yyyy, UK order)",
                                        "'startdate' is after 'enddate'",
                                        "not an amount of money (expected e.g. 1234.56 or £1,234.56)",
                                        "'surname' is blank; it must be filled in", "date of birth is in the future",
                                        "not a whole number"}


def test_arrow_load_stores_typed_values_and_extra_json(tmp_path, monkeypatch):
    rows = [HEAD + ["Notes"], good(1, cost="(1,234.56789)", residents="1,200", enddate="2024-05-01") + ["hi"],
            good(2, firstname="  Bob\u3000", postcode=" n1 9gu ") + [""]]
    result, data, rejected, _ = landed(tmp_path, "t.csv", rows, "arrow", monkeypatch)
    assert result[:4] == ("loaded", 2, 2, 0) and rejected == []
    con = duckdb.connect(str(tmp_path / "arrow" / "wh.duckdb"), read_only=True)
    got = con.execute("SELECT _source_row, _extra, firstname, postcode, residents, cost, enddate "
                      "FROM raw.h01a ORDER BY 1").fetchall()
    con.close()
    assert got == [(2, '{"Notes": "hi"}', "Ann", "SW1A 1AA", 1200, Decimal("-1234.5679"), dt.date(2024, 5, 1)),
                   (3, '{"Notes": null}', "Bob", "N1 9GU", 3, Decimal("2234.5200"), None)]


def test_whitespace_set_is_what_str_strip_strips():
    assert PY_WHITESPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def test_server_engines_receive_a_batch_as_text_columns():
    from costcalc.warehouse.engines import _arrow_frame

    t = pa.table({"_source_row": pa.array([2, 3], pa.int64()),
                  "_extra": pa.array([None, '{"a": "b"}']),
                  "c0": pa.array([dt.date(2024, 1, 31), None], pa.date32()),
                  "c1": pa.array([Decimal("12.5"), Decimal("-0.0001")], pa.decimal128(18, 4)),
                  "c2": pa.array([7, None], pa.int64())})
    frame = _arrow_frame(t)
    assert str(frame["_source_row"].dtype) == "int64"
    assert frame.to_dict("list") == {"_source_row": [2, 3], "_extra": [None, '{"a": "b"}'],
                                     "c0": ["2024-01-31", None], "c1": ["12.5000", "-0.0001"],
                                     "c2": ["7", None]}


@pytest.mark.parametrize("cells", [
    (dt.date(2024, 1, 31), dt.datetime(2024, 1, 31, 5, 30), None),
    (dt.datetime(2024, 1, 31), None, dt.datetime(2024, 1, 31)),
    (2**60, 2.5, 3),
    (1.0, 2.0, None, 1.0),
    (2**63 - 1, 5, 2**70),
    ("a", None, " ", "a"),
    (True, False, None),
    (1.0, True, 0.0, False, 1, True),  # equal in Python, different cells
    (dt.date(2024, 1, 1), "", dt.date(2024, 1, 1)),
    (None, None),
])
def test_encode_gives_back_every_cell_exactly(cells):
    """Columns of one kind of cell are dictionary-encoded by Arrow; the cells the
    parsers then see must be the reader's cells, of the same Python type."""
    from costcalc.ingest.validate import encode

    distinct, indices = encode(cells)
    back = [distinct[i] for i in indices.to_pylist()]
    assert back == list(cells)
    assert [type(v) for v in back] == [type(v) for v in cells]


def test_a_true_cell_among_numbers_is_not_read_as_one():
    """True == 1.0 in Python: the parse cache must still tell the cells apart."""
    from costcalc.schemas import get_schema
    from costcalc.ingest.validate import ColumnParser

    parser = ColumnParser(get_schema("H01A").column("residents"))
    values, errors = parser.run([1.0, True, 2.0, False])
    assert values.to_pylist() == [1, None, 2, None]
    assert errors == [(1, "not a whole number"), (3, "not a whole number")]
    values, errors = parser.run([True, 1.0])  # cached across batches, still apart
    assert values.to_pylist() == [None, 1] and errors == [(0, "not a whole number")]


def test_arrow_parses_a_bounded_number_of_blocks_ahead(tmp_path, monkeypatch):
    """Memory stays flat in the file's size: the CSV is parsed at most
    CSV_READAHEAD blocks ahead of the rows taken (Arrow's own reader would hold
    much of a big file in memory ahead of a slower consumer)."""
    import time

    monkeypatch.setattr(readers.csv, "CSV_BLOCK_BYTES", 1 << 20)
    path = tmp_path / "big.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEAD)
        for i in range(200_000):  # about 24 MB
            w.writerow(good(i))
    before = pa.total_allocated_bytes()
    src = readers.open_rows(path)
    try:
        assert src.engine == "arrow"
        src.take(1)
        first = src.take_block(100)
        assert len(first) == 100
        time.sleep(1.0)  # the read-ahead thread goes as far as it may
        held = pa.total_allocated_bytes() - before
        assert held < 8 << 20, f"{held >> 20} MB held ahead"
        rows = 101
        while True:
            block = src.take_block(50_000)
            if not len(block):
                break
            rows += len(block)
        assert rows == 200_001
    finally:
        src.close()
