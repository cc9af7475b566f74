"""Readers: a provider's file -> rows of cells, streamed.

``open_rows(path)`` recognises the file by its content (not only its name),
and returns a :class:`RowSource`: an iterator of rows (lists of cells) plus
the Excel row number of the first row, so every row keeps the number a
person sees in Excel. Files that cannot be read raise :class:`ReadError`
whose message names the file and says what to do.

- ``.xlsx``/``.xlsm``: first sheet, cached values of formulas, real dates as
  ``datetime``. Read with python-calamine; big sheets are streamed in pieces
  (see :data:`CHUNK_BYTES`), each read by fastexcel straight into Arrow
  columns where its columns each hold one kind of cell (:func:`_piece_as_arrow`).
  openpyxl in read-only mode is the fallback when calamine cannot read a
  workbook (see docs/loading.md).
- ``.csv``/``.txt``: UTF-8 (with or without BOM) or Windows-1252, detected by
  a streaming pre-scan; read by pyarrow's CSV parser in blocks of Arrow
  columns, with the ``csv`` module for what Arrow cannot read.

``RowSource.take_block`` hands on rows in blocks: lists of rows, or a
:class:`ColumnBlock` of Arrow columns.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import itertools
import logging
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa
from pyarrow import csv as pacsv

#: Sheets whose XML (uncompressed) is bigger than this are streamed: the sheet XML
#: is cut at row boundaries into pieces of about this size, and calamine reads each
#: piece as a small workbook of its own (same styles and shared strings), so memory
#: stays flat however big the file. Smaller sheets are read by calamine in one go.
CHUNK_BYTES = int(os.environ.get("COSTCALC_XLSX_CHUNK_BYTES", 8 * 1024 * 1024))

#: The first piece of a streamed sheet is small: it holds the title and header rows, so
#: its columns mix text with numbers and dates, and it is read by python-calamine, row by
#: row (see _piece_as_arrow).
FIRST_PIECE_BYTES = 256 * 1024

#: Pieces of a streamed sheet that calamine parses at once, each in a worker thread
#: (calamine releases the GIL), while a producer thread cuts the next pieces and the
#: main thread checks the rows of the piece before them. One is enough on 2 cores
#: (parsing and checking take about as long; a second parser was measured slower on
#: this loaded machine, and holds one more piece in memory). COSTCALC_XLSX_THREADS
#: overrides it, for benchmarks.
XLSX_THREADS = int(os.environ.get("COSTCALC_XLSX_THREADS", "0")) or 1

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")

_OTHER_MAGIC = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
]


class ReadError(Exception):
    """A file that cannot be read; the message names the file and the fix."""


@dataclass
class RowSource:
    """Rows of one file. ``first_row`` is the Excel row number of the first row
    yielded by ``rows``; later rows follow without gaps."""
    rows: Iterator[list]
    first_row: int
    kind: str  # 'xlsx' | 'csv'
    engine: str  # 'calamine' | 'openpyxl' | 'csv'
    encoding: str | None = None
    progress_total: int | None = None  # for a progress bar: the end of progress_position
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row1, col1, row2, col2), 1-based
    progress_position: Callable[[], int] | None = None  # rows (xlsx) or bytes (csv) read so far
    close: Callable[[], None] = lambda: None
    #: Turns an exception raised while iterating ``rows`` into a ReadError (or None).
    translate: Callable[[Exception], "ReadError | None"] = lambda exc: None

    def take(self, n: int) -> list[list]:
        """The next ``n`` rows (fewer at the end), read errors as ReadError."""
        return self._translated(lambda: list(itertools.islice(self.rows, n)))

    def take_block(self, n: int) -> "list[list] | ColumnBlock":
        """The next rows, at most ``n``: a :class:`ColumnBlock` (Arrow columns) from a
        reader that has them (CSV), else a list of rows as :meth:`take` gives. Empty
        (``len() == 0``) at the end."""
        block = getattr(self.rows, "take_block", None)
        if block is None:
            return self.take(n)
        return self._translated(lambda: block(n))

    def _translated(self, read):
        try:
            return read()
        except ReadError:
            raise
        except Exception as exc:
            err = self.translate(exc)
            if err is None:
                raise
            raise err from None


class ColumnBlock:
    """Consecutive rows of a file as Arrow columns; ``len()`` is the number of rows.

    From a CSV: text columns as wide as the file's first row, cells never null. From
    an .xlsx piece (fastexcel): columns from A to the piece's last used column, typed
    text, double, timestamp or null, a blank cell null."""

    __slots__ = ("columns",)

    def __init__(self, columns: list):
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def slice(self, offset: int, length: int) -> "ColumnBlock":
        return ColumnBlock([c.slice(offset, length) for c in self.columns])

    def to_rows(self) -> list[list]:
        """The rows as lists of cells, as the row readers give them (python-calamine
        gives a date cell at midnight as a ``date``)."""
        return [list(r) for r in zip(*(_cells(c) for c in self.columns))]


def _cells(column) -> list:
    cells = column.to_pylist()
    if pa.types.is_timestamp(column.type):
        midnight = _dt.time(0)
        cells = [c.date() if c is not None and c.time() == midnight else c for c in cells]
    return cells


def sniff(path: Path) -> str:
    """'xlsx' or 'csv' for a readable file; raises ReadError naming the file otherwise."""
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(f"{name}: file not found") from None
    if path.is_dir():
        raise ReadError(f"{name}: is a folder, not a file")
    if size == 0:
        raise ReadError(f"{name}: the file is empty (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(8192)
    ext = path.suffix.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        if _contains(path, _ENCRYPTED_MARKER):
            raise ReadError(f"{name}: the workbook is password-protected (encrypted); "
                            "remove the password and save it again as .xlsx")
        raise ReadError(f"{name}: this is an old-format Excel workbook (.xls) or another "
                        "Office document, not .xlsx; open it in Excel and save it as .xlsx or CSV")
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise ReadError(f"{name}: this is {what}, not a spreadsheet; send an .xlsx workbook or a CSV file")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReadError(f"{name}: the text is UTF-16 ('Unicode text'); save it as 'CSV UTF-8' instead")
    if _looks_utf16(head):
        raise ReadError(f"{name}: UTF-16 without a byte-order mark: save it as 'CSV UTF-8'")
    if b"\x00" in head:
        raise ReadError(f"{name}: binary data, not a spreadsheet; send an .xlsx workbook or a CSV file")
    if ext in (".xlsx", ".xlsm"):
        raise ReadError(f"{name}: not an .xlsx workbook (the content is plain text); "
                        "rename it to .csv if it is a CSV file")
    if ext in (".csv", ".txt", ""):
        return "csv"
    raise ReadError(f"{name}: unsupported file type {ext!r}; send an .xlsx workbook or a .csv file")


def _looks_utf16(head: bytes) -> bool:
    """True for text in UTF-16 without a byte-order mark: mostly-Latin text has a NUL in
    every other byte (the high byte of each character), at odd offsets (little-endian)
    or even ones (big-endian), and hardly any in the others."""
    n = len(head) // 2 * 2
    if n < 4 or b"\x00" not in head:
        return False
    even, odd = head[0:n:2].count(0), head[1:n:2].count(0)
    half = n // 2
    return max(even, odd) >= 0.6 * half and min(even, odd) <= 0.05 * half


def _contains(path: Path, marker: bytes, limit: int = 64 * 1024 * 1024) -> bool:
    tail = b""
    read = 0
    with open(path, "rb") as fh:
        while read < limit:
            block = fh.read(1 << 20)
            if not block:
                return False
            if marker in tail + block:
                return True
            tail = block[-len(marker):]
            read += len(block)
    return False


#: The .xlsx reader: 'auto' (calamine, openpyxl for huge sheets or when calamine fails),
#: 'calamine' or 'openpyxl'. The environment variable is for benchmarks and diagnosis.
XLSX_ENGINE = os.environ.get("COSTCALC_XLSX_ENGINE", "auto")


def open_rows(path: str | os.PathLike, engine: str | None = None) -> RowSource:
    """Open ``path`` for streaming rows. ``engine`` ('auto', 'calamine', 'openpyxl';
    default :data:`XLSX_ENGINE`) only matters for .xlsx."""
    path = Path(path)
    engine = engine or XLSX_ENGINE
    kind = sniff(path)
    if kind == "csv":
        return _open_csv(path)
    _check_xlsx_container(path)
    if engine == "openpyxl":
        return _open_openpyxl(path)
    try:
        if _sheet_xml_size(path) > CHUNK_BYTES:
            try:
                return _open_calamine_chunked(path)
            except _NotChunkable:
                pass
        return _open_calamine(path)
    except ReadError:
        raise
    except Exception:
        if engine == "calamine":
            raise
        return _open_openpyxl(path)


# ------------------------------------------------------------------------- xlsx

def _check_xlsx_container(path: Path) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names:
                what = ("an OpenDocument file (.ods)" if "content.xml" in names else
                        "a Word document" if "word/document.xml" in names else
                        "a zip archive")
                raise ReadError(f"{name}: this is {what}, not an .xlsx workbook; "
                                "save it from Excel as .xlsx or CSV")
    except zipfile.BadZipFile:
        raise ReadError(f"{name}: the workbook is damaged or incomplete (truncated); "
                        "send the file again") from None
    except (EOFError, zipfile.LargeZipFile, NotImplementedError, OSError, zlib.error) as exc:
        raise ReadError(f"{name}: the workbook cannot be opened ({type(exc).__name__}); "
                        "send the file again") from None


def _first_sheet_part(zf: zipfile.ZipFile) -> str | None:
    """The zip member of the workbook's first sheet (workbook order)."""
    import re
    wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    m = re.search(r"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", wb) or \
        re.search(r"<(?:\w+:)?sheet\b[^>]*?\bid=\"([^\"]+)\"", wb)
    if not m:
        return None
    rid = m.group(1)
    try:
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return None
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        if f'Id="{rid}"' in tag:
            t = re.search(r'Target="([^"]+)"', tag)
            if t:
                target = t.group(1)
                return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def _sheet_xml_size(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        part = _first_sheet_part(zf)
        try:
            return zf.getinfo(part).file_size if part else 0
        except KeyError:
            return 0


def _open_calamine(path: Path) -> RowSource:
    from python_calamine import CalamineWorkbook, PasswordError

    name = path.name
    try:
        rewritten = _workbook_with_error_cells_as_text(path)
        wb = (CalamineWorkbook.from_path(str(path)) if rewritten is None
              else CalamineWorkbook.from_filelike(io.BytesIO(rewritten)))
        if not wb.sheet_names:
            raise ReadError(f"{name}: the workbook has no sheets")
        sheet = wb.get_sheet_by_index(0)
    except PasswordError:
        raise ReadError(f"{name}: the workbook is password-protected; remove the password") from None
    merged = []
    for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or []:
        merged.append((r1 + 1, c1 + 1, r2 + 1, c2 + 1))
    start = sheet.start
    if start is None:
        wb.close()
        return RowSource(iter(()), 1, "xlsx", "calamine", merged=merged)
    # iter_rows() starts at the sheet's first row (A1's row) but at its first used column.
    first_row, first_col = 1, start[1]
    counter = [0]

    def gen():
        pad = [""] * first_col
        try:
            for row in sheet.iter_rows():
                counter[0] += 1
                yield pad + row if first_col else row
        finally:
            wb.close()

    rows = gen()
    return RowSource(rows, first_row, "xlsx", "calamine", progress_total=sheet.height, merged=merged,
                     progress_position=lambda: counter[0], close=rows.close)


#: A cell holding an Excel error value (``t="e"``: #REF!, #DIV/0!, ...), with its formula.
_ERROR_CELL = re.compile(rb'<((?:\w+:)?)c\b([^>]*?)\st="e"([^>]*?)(?<!/)>(.*?)</\1c>', re.S)
_CELL_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def error_cells_as_text(xml: bytes) -> bytes:
    """Sheet XML with every error cell turned into a text cell holding the error value
    ('#REF!'). python-calamine and fastexcel read an error cell as blank, so a #REF! in a
    cost column would load as nothing; as text, the column's parser rejects it as an
    Excel error (docs/loading.md)."""
    if b't="e"' not in xml:
        return xml

    def text(m: re.Match) -> bytes:
        ns = m.group(1)
        v = _CELL_VALUE.search(m.group(4))
        value = v.group(1) if v else b"#N/A"
        return (b"<%sc%s t=\"inlineStr\"%s><%sis><%st>%s</%st></%sis></%sc>"
                % (ns, m.group(2), m.group(3), ns, ns, value, ns, ns, ns))

    return _ERROR_CELL.sub(text, xml)


def _workbook_with_error_cells_as_text(path: Path) -> bytes | None:
    """The workbook, in memory, with its first sheet's error cells as text (see
    :func:`error_cells_as_text`); None when the sheet has no error cell. Only for
    sheets read whole (at most CHUNK_BYTES of XML)."""
    with zipfile.ZipFile(path) as zf:
        part = _first_sheet_part(zf)
        if part is None or part not in zf.NameToInfo:
            return None
        sheet = zf.read(part)
        if b't="e"' not in sheet:
            return None
        bio = io.BytesIO()
        with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info in zf.infolist():
                out.writestr(info.filename, error_cells_as_text(sheet) if info.filename == part
                             else zf.read(info.filename))
        return bio.getvalue()


class _NotChunkable(Exception):
    """The sheet cannot be cut into pieces safely (read it whole instead)."""


_ROW_WITHOUT_NUMBER = re.compile(rb"<(?:\w+:)?row\b(?![^>]*\br=)[^>]*>")
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


def _merged_refs(data: bytes) -> list[tuple[int, int, int, int]]:
    from openpyxl.utils.cell import range_boundaries
    out = []
    for m in _MERGE_REF.finditer(data):
        c1, r1, c2, r2 = range_boundaries(m.group(1).decode())
        out.append((r1, c1, r2, c2))
    return out


def _open_calamine_chunked(path: Path) -> RowSource:
    """Stream a big first sheet: cut its XML at row ends into ~CHUNK_BYTES pieces
    and let calamine read each piece as a small workbook (see :data:`CHUNK_BYTES`)."""
    from python_calamine import CalamineWorkbook

    name = path.name
    zf = zipfile.ZipFile(path)
    try:
        part = _first_sheet_part(zf)
        if part is None:
            raise _NotChunkable()
        keep = {}
        for info in zf.infolist():
            n = info.filename
            low = n.lower()
            if n == part:
                continue
            if (low in ("[content_types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")
                    or low.endswith(("styles.xml", "sharedstrings.xml"))):
                keep[n] = zf.read(n)
        fh = zf.open(part)
        buf = b""
        while b"<sheetData" not in buf and b":sheetData" not in buf:
            block = fh.read(1 << 20)
            if not block:
                raise _NotChunkable()
            buf += block
        m = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", buf)
        if not m:
            raise _NotChunkable()
        if m.group(2) == b"/":  # an empty sheet
            raise _NotChunkable()
        ns = m.group(1) or b""
        prefix = re.sub(rb"<(?:\w+:)?dimension\b[^>]*/>", b"", buf[:m.end()])
        buf = buf[m.end():]
        row_end = b"</" + ns + b"row>"
        data_end = b"</" + ns + b"sheetData>"
        closing = data_end + b"</" + ns + b"worksheet>"
    except Exception:
        zf.close()
        raise

    source = RowSource(iter(()), 1, "xlsx", "calamine-stream")

    def pieces():
        try:
            yield from _pieces()
        except (zlib.error, zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ReadError(f"{name}: the workbook is damaged or incomplete ({type(exc).__name__}); "
                            "send the file again") from None

    def _pieces():
        nonlocal buf
        done = False
        limit = min(FIRST_PIECE_BYTES, CHUNK_BYTES)  # the first piece holds the title and header rows
        while not done:
            while len(buf) < limit and data_end not in buf:
                block = fh.read(1 << 22)
                if not block:
                    break
                buf += block
            end = buf.find(data_end)
            if end >= 0 and end <= limit:
                piece, tail = buf[:end], buf[end:] + fh.read()  # after the rows: merges etc.
                done = True
                source.merged.extend(_merged_refs(tail))
                buf = b""
            else:
                cut = buf.find(row_end, limit - len(row_end)) if len(buf) >= limit else -1
                if cut < 0 or (end >= 0 and cut > end):
                    cut = buf.rfind(row_end, 0, end if end >= 0 else len(buf))
                if cut < 0:
                    block = fh.read(1 << 22)
                    if not block:
                        raise ReadError(f"{name}: the workbook is damaged (the sheet ends early); "
                                        "send the file again")
                    buf += block
                    continue
                cut += len(row_end)
                piece, buf = buf[:cut], buf[cut:]
            if not _all_rows_numbered(piece, ns) and _ROW_WITHOUT_NUMBER.search(piece):
                raise ReadError(f"{name}: the sheet has rows without row numbers, which this reader "
                                "cannot place; open it in Excel and save it again")
            yield piece
            limit = CHUNK_BYTES

    def workbook(sheet_xml: bytes) -> bytes:
        bio = io.BytesIO()
        with zipfile.ZipFile(bio, "w", zipfile.ZIP_STORED) as out:
            for n, data in keep.items():
                out.writestr(n, data)
            out.writestr(part, prefix + sheet_xml + closing)
        return bio.getvalue()

    def load_piece(piece: bytes):
        """A parsed piece: ('arrow', first row number, ColumnBlock) from fastexcel, or
        ('rows', first row number, rows) from python-calamine (see _piece_as_arrow)."""
        piece = error_cells_as_text(piece)
        first = _FIRST_ROW.search(piece, 0, 4096)
        if first is not None and int(first.group(1)) > 1:
            block = _piece_as_arrow(workbook, piece, int(first.group(1)), ns)
            if block is not None:
                return "arrow", int(first.group(1)), block
        wb = CalamineWorkbook.from_filelike(io.BytesIO(workbook(piece)))
        try:
            sheet = wb.get_sheet_by_index(0)
            start = sheet.start
            if start is None:
                return "rows", None, []
            pad = [""] * start[1]
            # to_python() starts at the piece's first used row and column
            # (iter_rows() would start at row 1 of the sheet for every piece).
            data = sheet.to_python(skip_empty_area=True)
            return "rows", start[0] + 1, [pad + row for row in data] if start[1] else data
        finally:
            wb.close()

    def loaded(future, next_row):
        try:
            return future.result()
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError(f"{name}: the workbook is damaged ({type(exc).__name__} near row "
                            f"{next_row or 1}); send the file again") from None

    def gen():
        # A producer thread cuts the sheet into pieces (inflating the zip) and hands each
        # to parser threads; fastexcel and calamine parse without holding the GIL. The main
        # thread meanwhile takes parsed pieces, in order, and checks them. At most
        # XLSX_THREADS pieces wait parsed or in parsing (memory stays flat). Yields blocks:
        # lists of rows, or ColumnBlocks.
        from concurrent.futures import ThreadPoolExecutor

        next_row = None  # Excel row number of the next row to yield
        it = pieces()
        pool = ThreadPoolExecutor(max_workers=XLSX_THREADS, thread_name_prefix="costcalc-xlsx")
        ahead = _ReadAhead(lambda: pool.submit(load_piece, next(it)), XLSX_THREADS, "costcalc-xlsx-cut")
        try:
            while True:
                try:
                    future = ahead.next()
                except StopIteration:
                    break
                kind, r0, block = loaded(future, next_row)
                if r0 is None or not len(block):
                    continue
                if next_row is None:
                    source.first_row = next_row = r0
                if next_row < r0:  # rows with nothing in them between pieces
                    yield [[] for _ in range(r0 - next_row)]
                next_row = r0 + len(block)
                yield block
                del block
        finally:
            for future in ahead.close():  # pieces parsed for nothing (the load stopped early)
                future.cancel()
            pool.shutdown(wait=True)
            it.close()
            fh.close()
            zf.close()

    rows = _BlockRows(gen())
    # Read the first piece now: a workbook calamine cannot read this way is read whole instead.
    try:
        rows.peek()
    except Exception:  # including ReadError: the whole-sheet readers get their chance
        rows.close()
        raise _NotChunkable() from None
    source.rows = rows
    source.close = rows.close
    total = zf.getinfo(part).file_size
    source.progress_position = lambda: fh.tell() if not fh.closed else total
    source.progress_total = total
    return source


def _all_rows_numbered(piece: bytes, ns: bytes) -> bool:
    """True when every row element of ``piece`` starts with its number (``<row r="``),
    as Excel and every library we know write it: two counts, where the exact regex
    (``_ROW_WITHOUT_NUMBER``, for the other cases) takes several times as long."""
    tag = b"<" + ns + b"row"
    return piece.count(tag + b" ") + piece.count(tag + b">") == piece.count(tag + b' r="')


_FIRST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')


def _piece_as_arrow(workbook, piece: bytes, first_row: int, ns: bytes):
    """A piece of sheet read by fastexcel straight into Arrow, or None where that would
    not give exactly the cells python-calamine gives.

    fastexcel gives one type per column, so it is asked to refuse a column of mixed
    cells (``dtype_coercion='strict'`` over every row); such a piece, like one holding
    true/false or time-of-day cells, is read by python-calamine. It also starts its
    rows at the piece's first used row and column, which it does not report: an
    error cell (typeless for fastexcel) in column A of an extra row just above the
    piece pins both, and that row is dropped."""
    import fastexcel

    r0 = first_row - 1
    anchor = (b"<%srow r=\"%d\"><%sc r=\"A%d\" t=\"e\"><%sv>#N/A</%sv></%sc></%srow>"
              % (ns, r0, ns, r0, ns, ns, ns, ns))
    try:
        sheet = fastexcel.read_excel(workbook(anchor + piece)).load_sheet(
            0, header_row=None, schema_sample_rows=None, dtype_coercion="strict", eager=True)
    except Exception:  # mixed cells (fastexcel's UnsupportedColumnTypeCombinationError) and the like
        return None
    if sheet.num_rows < 1 or any(t not in _EXACT_ARROW for t in map(str, sheet.schema.types)):
        return None
    return ColumnBlock([c.slice(1) for c in sheet.columns])


#: fastexcel warns, through Python logging, of every column that is empty in a piece
#: (it reads them as text): expected here, and noise in a provider's load log.
logging.getLogger("fastexcel").setLevel(logging.ERROR)

#: Arrow types of fastexcel columns whose cells python-calamine gives alike: text,
#: numbers, dates (as datetimes) and empty columns.
_EXACT_ARROW = {"string", "double", "timestamp[ms]", "date32[day]", "null"}


class _BlockRows:
    """Rows handed on by a generator of blocks (lists of rows, or ColumnBlocks): whole
    or in part by :meth:`take_block`, one by one by iteration."""

    def __init__(self, blocks):
        self._blocks = blocks
        self._cur: "list | ColumnBlock | None" = None
        self._pos = 0

    def _current(self):
        while self._cur is None or self._pos >= len(self._cur):
            nxt = next(self._blocks, None)
            if nxt is None:
                self._cur = None
                return None
            self._cur, self._pos = nxt, 0
        return self._cur

    def peek(self) -> None:
        """Read the first block now (errors surface here)."""
        self._current()

    def take_block(self, n: int):
        cur = self._current()
        if cur is None:
            return []
        k = min(n, len(cur) - self._pos)
        out = cur.slice(self._pos, k) if isinstance(cur, ColumnBlock) else cur[self._pos:self._pos + k]
        self._pos += k
        return out

    def __iter__(self):
        return self

    def __next__(self):
        cur = self._current()
        if cur is None:
            raise StopIteration
        if isinstance(cur, ColumnBlock):  # rows one by one (the header scan): as lists
            cur = self._cur = cur.slice(self._pos, len(cur) - self._pos).to_rows()
            self._pos = 0
        row = cur[self._pos]
        self._pos += 1
        return row

    def close(self) -> None:
        self._blocks.close()


def _open_openpyxl(path: Path) -> RowSource:
    import warnings

    import openpyxl

    name = path.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken parts
        raise ReadError(f"{name}: the workbook cannot be read ({type(exc).__name__}); "
                        "open it in Excel, save it as .xlsx and send it again") from None
    if not wb.worksheets:
        wb.close()
        raise ReadError(f"{name}: the workbook has no sheets")
    ws = wb.worksheets[0]
    merged = _merged_from_xml(path)
    counter = [0]
    ws.reset_dimensions()  # else openpyxl parses the whole sheet first when it has no <dimension>

    def gen():
        try:
            for row in ws.iter_rows(values_only=True):
                counter[0] += 1
                yield list(row)
        except Exception as exc:
            raise ReadError(f"{name}: the workbook is damaged ({type(exc).__name__} after row "
                            f"{counter[0]}); send the file again") from None
        finally:
            wb.close()

    return RowSource(gen(), 1, "xlsx", "openpyxl", merged=merged,
                     progress_position=lambda: counter[0], close=wb.close)


def _merged_from_xml(path: Path) -> list[tuple[int, int, int, int]]:
    """Merged ranges of the first sheet, scanning its XML as a stream (openpyxl's
    read-only mode does not report them)."""
    import re

    from openpyxl.utils.cell import range_boundaries

    out = []
    with zipfile.ZipFile(path) as zf:
        part = _first_sheet_part(zf)
        if not part:
            return out
        pat = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
        tail = b""
        with zf.open(part) as fh:
            while True:
                block = fh.read(1 << 20)
                if not block:
                    break
                buf = tail + block
                if b"mergeCell" in buf:
                    for m in pat.finditer(buf):
                        c1, r1, c2, r2 = range_boundaries(m.group(1).decode())
                        out.append((r1, c1, r2, c2))
                    cut = buf.rfind(b">")
                    tail = buf[cut + 1:] if cut >= 0 else buf
                else:
                    tail = buf[-200:]
    return sorted(set(out))


# -------------------------------------------------------------------------- csv

def detect_encoding(path: Path) -> str:
    """'utf-8-sig' (BOM), 'utf-8' (valid UTF-8 throughout) or 'cp1252'.

    Streams the whole file through an incremental UTF-8 decoder (memory flat):
    one invalid byte anywhere means the file is Windows-1252. A NUL byte anywhere
    (sniff() sees only the first 8 KB) rejects the file: no text file holds one, and
    it would be stored inside a value."""
    offset = 0
    with open(path, "rb") as fh:
        bom = fh.read(3) == codecs.BOM_UTF8
        fh.seek(0)
        dec = codecs.getincrementaldecoder("utf-8")("strict")
        utf8 = True
        for block in iter(lambda: fh.read(1 << 20), b""):
            nul = block.find(b"\x00")
            if nul >= 0:
                raise ReadError(f"{path.name}: a NUL byte (binary data) at byte {offset + nul:,}; the file is "
                                "damaged or not a text file: save it again as 'CSV UTF-8'")
            offset += len(block)
            if utf8:
                try:
                    dec.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if bom:
        return "utf-8-sig"
    return "utf-8" if utf8 else "cp1252"


def _open_csv(path: Path) -> RowSource:
    enc = detect_encoding(path)
    name = path.name
    csv.field_size_limit(64 * 1024 * 1024)

    def translate(exc: Exception) -> ReadError | None:
        if isinstance(exc, UnicodeDecodeError):
            return ReadError(f"{name}: the text is neither UTF-8 nor Windows-1252; save it as 'CSV UTF-8'")
        if isinstance(exc, csv.Error):
            return ReadError(f"{name}: the CSV cannot be read ({exc})")
        return None

    if CSV_ENGINE == "arrow":
        try:
            rows = _ArrowCsvRows(path, enc)
        except Exception:  # anything Arrow cannot read as a regular CSV: the csv module reads it
            rows = None
        if rows is not None:
            return RowSource(rows, 1, "csv", "arrow", encoding=enc, progress_position=rows.position,
                             progress_total=path.stat().st_size, close=rows.close, translate=translate)
    raw = open(path, "rb")
    text = io.TextIOWrapper(raw, encoding=enc, newline="", errors="strict")

    def position() -> int:
        try:
            return raw.tell()
        except (OSError, ValueError):
            return 0

    # The csv reader itself is the row iterator (no Python generator per row: speed);
    # its errors are turned into ReadError by ``translate`` where rows are consumed.
    return RowSource(csv.reader(text), 1, "csv", "csv", encoding=enc, progress_position=position,
                     progress_total=path.stat().st_size, close=text.close, translate=translate)


#: The CSV reader: 'arrow' (pyarrow's C parser; the csv module for files it cannot
#: read as regular rows) or 'csv' (the csv module only). For benchmarks and diagnosis.
CSV_ENGINE = os.environ.get("COSTCALC_CSV_ENGINE", "arrow")
#: Bytes Arrow parses at a time (rows are handed on in blocks of at most this much text).
CSV_BLOCK_BYTES = 4 * 1024 * 1024


class _ArrowCsvRows:
    """Rows of a CSV parsed by pyarrow.csv, streamed block by block, all cells text.

    Arrow reads only regular files: every record as wide as the first, which is the
    shape Excel and most systems write. An empty line is a record of empty cells (the
    csv module gives ``[]``; both are blank rows, skipped and not counted, and both
    count as a record for the row numbers). At the first record Arrow cannot
    read (a row of another width, an unclosed quote), reading goes on with the csv
    module from that record: it re-opens the file and skips the records Arrow already
    handed on, so rows and their numbers are exactly what the csv module gives.
    Iterating gives rows as lists; :meth:`take_block` gives Arrow columns."""

    def __init__(self, path: Path, enc: str):
        self.path, self.enc = path, enc
        # A Python file, not pa.OSFile: Arrow reads ahead of an OSFile into memory, up to
        # some 160 MB (measured); a Python file it reads as asked (see _ReadAhead).
        self._fh = open(path, "rb")
        try:
            self._reader = pacsv.open_csv(
                self._fh,
                read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=CSV_BLOCK_BYTES,
                                               encoding="utf8" if enc.startswith("utf-8") else enc,
                                               use_threads=False),
                parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    column_types=_all_text(), strings_can_be_null=False, quoted_strings_can_be_null=False))
            self._read_error = (pa.ArrowInvalid,)
        except Exception:
            self._fh.close()
            raise
        self._cols: list | None = None  # the current Arrow block's columns
        self._pos = 0  # rows of the current block already handed on
        self._fetched = 0  # records Arrow has parsed (blocks read in full)
        self._buffer: list[list] = []  # rows converted for iteration, not yet handed on (reversed)
        self._fallback = None  # the csv reader, after Arrow met a record it cannot read
        self._text = None
        self._ahead = _ReadAhead(self._reader.read_next_batch, CSV_READAHEAD)

    def position(self) -> int:
        try:
            return self._text.buffer.tell() if self._text is not None else self._fh.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self._ahead.close()
        self._fh.close()
        if self._text is not None:
            self._text.close()

    def _fall_back(self) -> None:
        raw = open(self.path, "rb")
        self._text = io.TextIOWrapper(raw, encoding=self.enc, newline="", errors="strict")
        rdr = csv.reader(self._text)
        for _ in itertools.islice(rdr, self._fetched):
            pass
        self._fallback = rdr

    def _block(self) -> list | None:
        """The current block with rows left, reading the next one as needed (None at the end)."""
        while self._cols is None or self._pos >= len(self._cols[0]):
            if self._fallback is not None:
                return None
            try:
                batch = self._ahead.next()
            except StopIteration:
                return None
            except self._read_error:
                self._cols = None
                self._fall_back()
                return None
            self._cols, self._pos = batch.columns, 0
            self._fetched += batch.num_rows
            if not self._cols:
                return None
        return self._cols

    def take_block(self, n: int):
        if self._buffer:  # rows converted for iteration (kept in reverse order)
            out = self._buffer[:-n - 1:-1]
            del self._buffer[-n:]
            return out
        cols = self._block()
        if cols is None:
            if self._fallback is not None:
                return list(itertools.islice(self._fallback, n))
            return []
        k = min(n, len(cols[0]) - self._pos)
        out = ColumnBlock(cols).slice(self._pos, k)
        self._pos += k
        return out

    def __iter__(self):
        return self

    def __next__(self) -> list:
        if not self._buffer:
            if self._fallback is not None:
                return next(self._fallback)
            block = self.take_block(1000)
            rows = block.to_rows() if isinstance(block, ColumnBlock) else block
            if not rows:
                raise StopIteration
            rows.reverse()  # popped from the end
            self._buffer = rows
        return self._buffer.pop()


class _ReadAhead:
    """Calls ``read`` in a thread of its own, at most ``ahead`` results ahead of the
    caller: Arrow's next CSV block (which releases the GIL), or the next piece of a
    sheet handed to a parser. Work overlaps checking, and memory stays flat. (Arrow's
    own threaded CSV reader parses ahead of a slower consumer by up to some 40 blocks,
    160 MB, measured.) ``next()`` gives the results in order, and raises what ``read``
    raised: StopIteration at the end."""

    def __init__(self, read, ahead: int = 2, name: str = "costcalc-csv-read"):
        import queue
        import threading

        self._queue: "queue.Queue" = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, args=(read,), name=name, daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        import queue

        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def _run(self, read) -> None:
        while True:
            try:
                item = ("result", read())
            except BaseException as exc:  # StopIteration at the end; errors for the caller
                self._put(("raise", exc))
                return
            if not self._put(item):
                return

    def next(self):
        if self._done:
            raise StopIteration
        kind, item = self._queue.get()
        if kind == "raise":
            self._done = True
            raise item
        return item

    def close(self) -> list:
        """Stop; the results read ahead and never taken."""
        self._stop.set()
        self._thread.join()
        left = []
        while not self._queue.empty():
            kind, item = self._queue.get_nowait()
            if kind == "result":
                left.append(item)
        return left


#: Blocks of CSV parsed ahead of the checks (each CSV_BLOCK_BYTES of text).
CSV_READAHEAD = 2


def _all_text() -> dict:
    """Arrow's column_types for autogenerated names f0, f1, ...: every column is text
    (as many columns as an Excel sheet can have)."""
    global _ALL_TEXT
    if _ALL_TEXT is None:
        _ALL_TEXT = {f"f{i}": pa.string() for i in range(16384)}
    return _ALL_TEXT


_ALL_TEXT: dict | None = None
