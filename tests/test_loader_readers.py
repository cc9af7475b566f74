"""Readers (costcalc.ingest.readers): real .xlsx written with openpyxl, real CSV bytes in
each accepted encoding, and every kind of unreadable file."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from costcalc.ingest import readers
from costcalc.ingest.readers import ReadError, open_rows


def write_xlsx(path: Path, rows: list[list], *, date_cells=(), merge=None, title_sheet_first=False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for ref in date_cells:
        ws[ref].number_format = "dd/mm/yyyy"
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def set_cached_values(path: Path, values: dict[str, str]) -> None:
    """openpyxl writes formulas with an empty cached value (<v />): it cannot compute
    them. Excel stores the computed value in <v>; write it there, as Excel would."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, val in values.items():
        pat = re.compile(rf'(<c r="{ref}"[^>]*)>(<f>[^<]*</f>)<v\s*/>')
        assert pat.search(xml), ref
        if isinstance(val, str):
            xml = pat.sub(rf'\1 t="str">\2<v>{val}</v>', xml)
        else:
            xml = pat.sub(rf"\1>\2<v>{val}</v>", xml)
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)


def rows_of(path, **kw) -> tuple[int, list[list]]:
    src = open_rows(path, **kw)
    return src.first_row, list(src.rows)


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_xlsx_real_dates_numbers_and_cached_formula_values(tmp_path, engine):
    p = write_xlsx(tmp_path / "a.xlsx", [
        ["name", "when", "amount", "double", "date formula", "text formula"],
        ["x", dt.datetime(2024, 1, 31), 12.5, "=C2*2", "=DATE(2024,2,29)", '=A2&"y"'],
    ], date_cells=["B2", "E2"])
    set_cached_values(p, {"D2": 25, "E2": 45351, "F2": "xy"})
    first, rows = rows_of(p, engine=engine)
    assert first == 1
    head, data = rows[0], rows[1]
    assert head[:2] == ["name", "when"]
    assert data[0] == "x"
    assert data[1] in (dt.date(2024, 1, 31), dt.datetime(2024, 1, 31))
    assert data[2] == 12.5
    assert data[3] == 25                       # the cached value, not the formula
    assert data[4] in (dt.date(2024, 2, 29), dt.datetime(2024, 2, 29))
    assert data[5] == "xy"


def test_xlsx_auto_uses_calamine(tmp_path):
    p = write_xlsx(tmp_path / "a.xlsx", [["a"], [1]])
    assert open_rows(p).engine == "calamine"


def test_xlsx_row_numbers_with_title_rows_and_offset_columns(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B2"] = "Report title"
    ws["B4"] = "surname"
    ws["C4"] = "dob"
    ws["B6"] = "Smith"
    wb.save(tmp_path / "t.xlsx")
    first, rows = rows_of(tmp_path / "t.xlsx")
    # rows are numbered from the sheet's row 1; columns keep their places
    numbered = {first + i: r for i, r in enumerate(rows)}
    assert numbered[4][1:3] == ["surname", "dob"]
    assert numbered[6][1] == "Smith"


def test_xlsx_merged_cells_reported(tmp_path):
    p = write_xlsx(tmp_path / "m.xlsx", [["title", None], ["a", "b"], [1, 2]], merge="A3:B3")
    assert open_rows(p).merged == [(3, 1, 3, 2)]
    assert open_rows(p, engine="openpyxl").merged == [(3, 1, 3, 2)]


def test_streamed_xlsx_pieces_match_whole_sheet(tmp_path, monkeypatch):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(["Title row"])
    ws.append([])
    ws.append(["pin", "surname", "dob", "cost"])
    for i in range(3000):
        if i % 500 == 7:
            ws.append([])
        ws.append([f"P{i}", f"Name{i}", dt.datetime(1950, 1, 1) + dt.timedelta(days=i), i * 1.5])
    wb.save(tmp_path / "big.xlsx")
    whole = rows_of(tmp_path / "big.xlsx")
    monkeypatch.setattr(readers.xlsx_stream, "CHUNK_BYTES", 20_000)
    src = open_rows(tmp_path / "big.xlsx")
    assert src.engine == "calamine-stream"
    streamed = (src.first_row, list(src.rows))
    assert streamed[0] == whole[0]
    assert len(streamed[1]) == len(whole[1])

    def trim(r):
        r = list(r)
        while r and r[-1] in ("", None):
            r.pop()
        return r
    assert [trim(r) for r in streamed[1]] == [trim(r) for r in whole[1]]


def test_streamed_xlsx_reports_merged_cells_at_the_end(tmp_path, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a", "b"])
    for i in range(400):
        ws.append([f"x{i}", i])
    ws.merge_cells("A300:B300")
    wb.save(tmp_path / "m.xlsx")
    monkeypatch.setattr(readers.xlsx_stream, "CHUNK_BYTES", 2_000)
    src = open_rows(tmp_path / "m.xlsx")
    assert src.engine == "calamine-stream"
    assert len(list(src.rows)) == 401
    assert src.merged == [(300, 1, 300, 2)]


# ------------------------------------------------------------------------ CSV

CSV_TEXT = "surname,cost,town\nBront\u00eb,\u00a312.50,Caf\u00e9\n"


@pytest.mark.parametrize("encoding, detected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")])
def test_csv_encodings(tmp_path, encoding, detected):
    p = tmp_path / "x.csv"
    p.write_bytes(CSV_TEXT.encode(encoding))
    src = open_rows(p)
    assert src.encoding == detected
    assert list(src.rows) == [["surname", "cost", "town"], ["Bront\u00eb", "\u00a312.50", "Caf\u00e9"]]


def test_csv_windows_1252_byte_late_in_the_file(tmp_path):
    # The whole file is checked, not just its start: one 1252 byte after 1 MB of ASCII.
    p = tmp_path / "late.csv"
    body = "surname,cost\n" + "Smith,1\n" * 200_000 + "Caf\u00e9,\u00a32\n"
    p.write_bytes(body.encode("cp1252"))
    src = open_rows(p)
    assert src.encoding == "cp1252"
    assert list(src.rows)[-1] == ["Caf\u00e9", "\u00a32"]


def test_csv_quoted_newlines_and_row_numbers(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('a,b\n"line1\nline2",x\n\ny,z\n', encoding="utf-8")
    rows = list(open_rows(p).rows)
    # The empty line is a record (row 4 is 'y,z'); Arrow gives it as empty cells.
    assert rows == [["a", "b"], ["line1\nline2", "x"], ["", ""], ["y", "z"]]


# --------------------------------------------------------------- unreadable files

def test_empty_file(tmp_path):
    p = tmp_path / "empty.xlsx"
    p.write_bytes(b"")
    with pytest.raises(ReadError, match=r"empty\.xlsx: the file is empty"):
        open_rows(p)


def test_pdf_renamed_xlsx(tmp_path):
    p = tmp_path / "report.xlsx"
    p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    with pytest.raises(ReadError, match=r"report\.xlsx: this is a PDF document, not a spreadsheet"):
        open_rows(p)


def test_truncated_xlsx(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [["a", "b"]] + [[i, i] for i in range(2000)])
    p = tmp_path / "cut.xlsx"
    p.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ReadError, match=r"cut\.xlsx: the workbook is damaged"):
        open_rows(p)


def test_corrupt_member_in_xlsx(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [["a", "b"]] + [[i, i] for i in range(2000)])
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 20
    data[start:start + 40] = b"\x00" * 40
    p = tmp_path / "bad.xlsx"
    p.write_bytes(bytes(data))
    with pytest.raises(ReadError, match=r"bad\.xlsx: .*(damaged|cannot)"):
        list(open_rows(p).rows)


def test_encrypted_workbook(tmp_path):
    # Excel saves a password-protected workbook as an OLE compound file holding an
    # 'EncryptedPackage' stream. This is a minimal such container (header + directory name).
    p = tmp_path / "secret.xlsx"
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    p.write_bytes(header + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1000)
    with pytest.raises(ReadError, match=r"secret\.xlsx: the workbook is password-protected"):
        open_rows(p)


def test_an_ole_file_that_is_no_readable_workbook(tmp_path):
    """An OLE2 file is read as an .xls (tests/test_loader_xls.py); one with nothing in it is damaged."""
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    with pytest.raises(ReadError, match=r"old\.xls: the \.xls workbook is damaged or incomplete"):
        open_rows(p)


def test_zip_that_is_not_a_workbook(tmp_path):
    p = tmp_path / "doc.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(ReadError, match=r"doc\.xlsx: this is a Word document"):
        open_rows(p)


def test_binary_csv_and_utf16(tmp_path):
    p = tmp_path / "bin.csv"
    p.write_bytes(b"a,b\x00\x01\x02")
    with pytest.raises(ReadError, match=r"bin\.csv: binary data"):
        open_rows(p)
    q = tmp_path / "u16.csv"
    q.write_bytes("a,b\n".encode("utf-16"))
    with pytest.raises(ReadError, match=r"u16\.csv: .*UTF-16"):
        open_rows(q)


def test_unsupported_extension(tmp_path):
    p = tmp_path / "data.json"
    p.write_text("{}")
    with pytest.raises(ReadError, match=r"data\.json: unsupported file type"):
        open_rows(p)
