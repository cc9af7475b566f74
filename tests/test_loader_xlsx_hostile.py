""".xlsx edge cases (issue 10, item 5): a million empty rows, a sheet padded with blank
space, zip bombs and a zip directory that lies. Real workbooks: openpyxl writes the sheet,
then its XML is rewritten inside a real zip.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from costcalc.ingest import readers
from costcalc.ingest.landing import load_file
from loader_helpers import query

HEAD = ["pin", "postcode", "surname", "dob", "residents", "startdate", "enddate", "cost", "proptype"]
SHEET = "xl/worksheets/sheet1.xml"


def workbook(path: Path, *, between: bytes = b"", after: bytes = b"", pad_mb: int = 0, zip64: bool = True,
             rows: int = 5) -> Path:
    """A real H01A workbook whose sheet XML gets ``between`` (or ``pad_mb`` MB of spaces)
    after row 3 and ``after`` after the last row, written compressed."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD)
    for i in range(rows):
        ws.append([f"P{i}", "SW1A 1AA", "Smith", "03/02/1985", 2, "01/04/2024", "30/04/2024", 100.0, "B&B"])
    bio = io.BytesIO()
    wb.save(bio)
    src = zipfile.ZipFile(bio)
    sheet = src.read(SHEET)
    cut = sheet.index(b"</row>", sheet.index(b'<row r="3"')) + len(b"</row>")
    end = sheet.index(b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != SHEET:
                z.writestr(info.filename, src.read(info.filename))
                continue
            zi = zipfile.ZipInfo(SHEET)
            zi.compress_type = zipfile.ZIP_DEFLATED
            with z.open(zi, "w", force_zip64=zip64) as fh:
                fh.write(sheet[:cut])
                fh.write(between)
                block = b" " * (1 << 20)
                for _ in range(pad_mb):
                    fh.write(block)
                fh.write(sheet[cut:end])
                fh.write(after)
                fh.write(sheet[end:])
    return path


def test_a_million_empty_self_closing_rows_after_the_data_load(tmp_path):
    f = workbook(tmp_path / "ta.xlsx", after=b"<row/>" * 1_000_000)
    r = load_file(tmp_path / "wh.duckdb", f)
    assert (r.status, r.rows_read, r.rows_accepted) == ("loaded", 5, 5), r.message


def test_a_million_empty_rows_in_a_streamed_sheet_load(tmp_path, monkeypatch):
    """The streamed reader cut only after '</row>': self-closing rows made it 'damaged'."""
    monkeypatch.setattr(readers.xlsx_stream, "CHUNK_BYTES", 1 << 20)
    f = workbook(tmp_path / "ta.xlsx", between=b'<row r="4" spans="1:9"/>' + b"<row/>" * 1_000_000,
                 after=b"<row/>" * 500_000)
    src = readers.open_rows(f)
    assert src.engine == "calamine-stream"
    src.close()
    r = load_file(tmp_path / "wh.duckdb", f)
    assert (r.status, r.rows_read, r.rows_accepted) == ("loaded", 5, 5), r.message
    assert [p for (p,) in query(tmp_path / "wh.duckdb", "SELECT pin FROM raw.h01a ORDER BY _source_row")] == [
        "P0", "P1", "P2", "P3", "P4"]


def test_a_sheet_padded_with_blank_space_is_refused_quickly_naming_the_file(tmp_path):
    f = workbook(tmp_path / "padded ta.xlsx", pad_mb=100)
    assert f.stat().st_size < 400_000  # 100 MB of spaces compress a thousand times
    r = load_file(tmp_path / "wh.duckdb", f)
    assert r.status == "rejected"
    assert r.message.startswith("padded ta.xlsx: refused: the part xl/worksheets/sheet1.xml would expand")
    assert "zip bomb" in r.message


_MEASURE = """
import json, resource, sys, time
import costcalc.ingest.readers.xlsx as x
x.MAX_EXPANSION = 10**9  # the guard off: the streamed reader alone must stay bounded
from costcalc.ingest.landing import load_file
t = time.time()
r = load_file(sys.argv[1], sys.argv[2])
print(json.dumps([r.status, r.rows_accepted, time.time() - t,
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]))
"""


def test_a_padded_sheet_under_the_guard_is_streamed_in_bounded_memory(tmp_path):
    """Whitespace-only blocks are dropped: 300 MB of padding, far less than 300 MB of memory
    above what the process holds anyway (the old reader held the padding several times)."""
    f = workbook(tmp_path / "ta.xlsx", pad_mb=300)
    small = workbook(tmp_path / "small.xlsx")
    out = []
    for path in (small, f):
        res = subprocess.run([sys.executable, "-c", _MEASURE, str(tmp_path / f"{path.stem}.duckdb"), str(path)],
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        out.append(json.loads(res.stdout.strip().splitlines()[-1]))
    (s_status, s_rows, _, s_mb), (status, rows, seconds, mb) = out
    assert (status, rows) == (s_status, s_rows) == ("loaded", 5)
    assert mb - s_mb < 150, (mb, s_mb)


def _lie_about_size(path: Path, part: str, size: int) -> None:
    """Rewrites the zip's central directory so ``part`` claims ``size`` bytes uncompressed."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        n = int.from_bytes(data[at + 28:at + 30], "little")
        if bytes(data[at + 46:at + 46 + n]) == name:
            data[at + 24:at + 28] = size.to_bytes(4, "little")
            break
        at += 4
    path.write_bytes(bytes(data))


def test_a_zip_directory_that_understates_a_part_is_refused_while_inflating(tmp_path):
    """The directory says 200 KB (a sheet read whole); the data inflates to 80 MB."""
    f = workbook(tmp_path / "liar.xlsx", pad_mb=80, zip64=False)
    _lie_about_size(f, SHEET, 200_000)
    with zipfile.ZipFile(f) as zf:
        assert zf.getinfo(SHEET).file_size == 200_000
    r = load_file(tmp_path / "wh.duckdb", f)
    assert r.status == "rejected"
    assert r.message.startswith("liar.xlsx: ")
    assert "expands (more than its zip directory says)" in r.message, r.message


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_the_guard_runs_before_any_reader(tmp_path, engine):
    f = workbook(tmp_path / "bomb.xlsx", pad_mb=70)
    with pytest.raises(readers.ReadError, match="bomb.xlsx: refused"):
        readers.open_rows(f, engine=engine)


_LOAD_IN_CHILD = """
import sys
from costcalc.ingest.landing import load_file
r = load_file(sys.argv[1], sys.argv[2])
print(r.status, r.rows_read, r.rows_accepted)
print(r.message)
"""


def _load_in_child(tmp_path: Path, f: Path, env_chunk: int | None = None) -> subprocess.CompletedProcess:
    """Loads in a child process: python-calamine aborted the whole process on these files
    (no exception to catch), which a test in-process could not even report."""
    import os

    env = dict(os.environ)
    if env_chunk:
        env["COSTCALC_XLSX_CHUNK_BYTES"] = str(env_chunk)
    return subprocess.run([sys.executable, "-c", _LOAD_IN_CHILD, str(tmp_path / "wh.duckdb"), str(f)],
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize("cell", ["XFD1048576", "AAA7"])
def test_a_value_far_right_of_the_table_is_refused_not_a_crash(tmp_path, cell):
    """One stray value at XFD1048576 made python-calamine ask for 512 GB and abort the
    loader (exit 134, no message, no load log)."""
    f = workbook(tmp_path / "ta.xlsx", after=f'<row r="{cell[-7:] if cell[0] == "X" else 7}">'
                 f'<c r="{cell}" t="inlineStr"><is><t>x</t></is></c></row>'.encode())
    res = _load_in_child(tmp_path, f)
    assert res.returncode == 0, res.stderr[-2000:]
    status, message = res.stdout.splitlines()[0], res.stdout.splitlines()[1]
    assert status.startswith("rejected"), res.stdout
    assert "ta.xlsx" in message and cell in message and "beyond column ZZ" in message


@pytest.mark.parametrize("chunk", [None, 1 << 20])
def test_a_value_a_million_rows_below_the_table_is_refused_not_a_crash(tmp_path, chunk):
    """The same abort from a value far below the table, read whole or streamed in pieces."""
    f = workbook(tmp_path / "ta.xlsx", rows=200 if chunk is None else 30_000, after=(
        b'<row r="1048576"><c r="AZ1048576" t="inlineStr"><is><t>x</t></is></c></row>'))
    res = _load_in_child(tmp_path, f, env_chunk=chunk)
    assert res.returncode == 0, res.stderr[-2000:]
    status, message = res.stdout.splitlines()[0], res.stdout.splitlines()[1]
    assert status.startswith("rejected"), res.stdout
    assert "ta.xlsx" in message and "1,048,576" in message and "stray cells" in message


def test_a_total_a_few_rows_below_the_table_still_loads(tmp_path):
    """The guard leaves real layouts alone: a note well below the data, within the grid budget."""
    f = workbook(tmp_path / "ta.xlsx", after=b'<row r="5000"><c r="A5000" t="inlineStr"><is><t>note</t></is></c></row>')
    r = load_file(tmp_path / "wh.duckdb", f)
    assert r.status == "loaded" and r.rows_accepted == 5, r.message
