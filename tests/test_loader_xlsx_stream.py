"""Big .xlsx sheets streamed in pieces, read by fastexcel straight into Arrow where
every column of a piece holds one kind of cell, by python-calamine where not.

The whole-sheet python-calamine reader is the reference: a streamed sheet must give
the same rows, numbers and, loaded, the same raw rows and rejections.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging

import openpyxl
import pytest

from costcalc.ingest import readers
from costcalc.ingest.readers import ColumnBlock, open_rows
from loader_helpers import land

HEAD = ["pin", "surname", "dob", "postcode", "startdate", "enddate", "cost", "residents", "proptype"]


def awkward_book(path, rows=2400):
    """Title rows, a header starting in column B, then data with: blank cells and whole
    blank rows, a run of empty rows between pieces, a stretch where the cost column mixes
    numbers and text and the pin column numbers, a true/false cell, dates with times,
    bad dates and amounts, and cells beyond the header. Pieces of about 30 kB hold
    some 80 rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C1"] = "Temporary accommodation extract"
    ws.append([])
    ws.append([None] + HEAD)
    r = 4
    for i in range(rows):
        if i == 900:
            r += 12  # twelve empty rows
        cost = round(50 + i * 1.37, 2)
        row = [f"P{i}", f"Name{i}", dt.datetime(1950, 1, 1) + dt.timedelta(days=i * 7), "SW1A 1AA",
               dt.datetime(2024, 1, 1, 9, 30) if i % 11 == 0 else dt.datetime(2024, 1, 1),
               None if i % 3 else dt.datetime(2024, 6, 30), cost, i % 6 + 1, "B&B"]
        if 1500 <= i < 1700:  # mixed kinds in one column of these pieces
            row[6] = f"£{cost:,.2f}" if i % 2 else cost
            row[0] = i
        if i == 1800:
            row[7] = True
        if i in (97, 1203):  # text among dates: these pieces are read row by row
            row[2] = "31/02/1980"
        if i in (101, 2101):
            row[6] = "tbc"
        if i % 250 == 0:
            row = [None] * len(row)
        if i == 2001:
            row = row + [None, "a note beyond the header"]
        for j, v in enumerate(row):
            if v is not None:
                ws.cell(row=r, column=j + 2, value=v)
        r += 1
    wb.save(path)
    return path


def blank(v) -> bool:
    return v is None or v == ""


def normal(rows):
    """Rows with blank cells as None and trailing blanks dropped (the readers differ
    only in how they spell an empty cell)."""
    out = []
    for row in rows:
        row = [None if blank(v) else v for v in row]
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out


def read_all(path):
    src = open_rows(path)
    kinds = collections.Counter()
    rows = src.take(5)
    while True:
        block = src.take_block(1000)
        if not len(block):
            break
        kinds[type(block).__name__] += 1
        rows += block.to_rows() if isinstance(block, ColumnBlock) else block
    src.close()
    return src.engine, src.first_row, rows, kinds


def test_streamed_rows_match_the_whole_sheet(tmp_path, monkeypatch):
    path = awkward_book(tmp_path / "a.xlsx")
    engine, first, whole, _ = read_all(path)
    assert engine == "calamine"
    pieces = collections.Counter()
    real = readers.xlsx_stream._piece_as_arrow

    def counted(*args):
        block = real(*args)
        pieces["arrow" if block is not None else "calamine"] += 1
        return block

    monkeypatch.setattr(readers.xlsx_stream, "_piece_as_arrow", counted)
    monkeypatch.setattr(readers.xlsx_stream, "CHUNK_BYTES", 30_000)
    engine, s_first, streamed, kinds = read_all(path)
    assert engine == "calamine-stream"
    # Most pieces went straight to Arrow; the ones with mixed or true/false cells did not.
    assert pieces["arrow"] >= 5 and pieces["calamine"] >= 2
    assert kinds["ColumnBlock"] >= 5
    assert s_first == first
    assert len(streamed) == len(whole)
    assert normal(streamed) == normal(whole)


@pytest.mark.parametrize("rows", [2400])
def test_a_streamed_load_equals_a_whole_sheet_load(tmp_path, monkeypatch, rows):
    path = awkward_book(tmp_path / "a.xlsx", rows)

    def landed(chunk: int):
        monkeypatch.setattr(readers.xlsx_stream, "CHUNK_BYTES", chunk)
        return land(tmp_path / f"{chunk}.duckdb", path, schema="H01A")

    whole = landed(64 * 1024 * 1024)
    streamed = landed(30_000)
    assert streamed == whole
    result, data, rejected = streamed
    assert result[0] == "loaded" and result[2] > 2000
    reasons = {r[3] for r in rejected}
    assert any("not a real date" in r for r in reasons)
    assert any("not an amount of money" in r for r in reasons)
    assert any("not a whole number" in r for r in reasons)  # the true/false cell
    extra = {row[1]: row[2] for row in data}
    assert extra[4 + 12 + 2001] == '{"column_12": "a note beyond the header"}'
    assert extra[4 + 12 + 2002] is None


def test_fastexcel_stays_quiet_about_empty_columns(tmp_path, monkeypatch, caplog):
    path = awkward_book(tmp_path / "a.xlsx", 600)
    monkeypatch.setattr(readers.xlsx_stream, "CHUNK_BYTES", 30_000)
    with caplog.at_level(logging.WARNING):
        read_all(path)
    assert not [r for r in caplog.records if r.name.startswith("fastexcel")]
