"""Big .xlsx sheets, streamed: the sheet XML is cut at row boundaries into pieces and each
piece is read as a small workbook of its own (fastexcel straight into Arrow where it can,
python-calamine otherwise), so memory stays flat however big the file (:class:`SheetStream`)."""

from __future__ import annotations

import io
import logging
import os
import re
import zipfile
import zlib
from pathlib import Path

from costcalc.ingest.readers.common import ColumnBlock, ReadError, RowSource, _BlockRows, _ReadAhead
from costcalc.ingest.readers.xlsx import EMPTY_ROW, _first_sheet_part, check_extent, error_cells_as_text

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


#: Bytes of sheet XML inflated at a time.
READ_BYTES = 1 << 22
_WHITESPACE = b" \t\r\n"


class SheetStream:
    """A big first sheet, streamed: its XML is cut just before a row starts into pieces of
    about :data:`CHUNK_BYTES`, and each piece is read as a small workbook of its own (same
    styles and shared strings): by fastexcel straight into Arrow (:func:`_piece_as_arrow`)
    or by python-calamine. Memory stays flat whatever the sheet holds:

    - a block of the inflated XML that is only whitespace is dropped (whitespace between
      elements means nothing; a gigabyte of it once took 4 GB of memory);
    - empty self-closing rows (``<row/>``) are dropped from each piece (a million of them
      after the data once made the sheet look "damaged");
    - what follows the rows (merged cells) is scanned block by block.

    :meth:`open` returns the :class:`RowSource`; it raises :class:`_NotChunkable` for a
    sheet that cannot be cut (the whole-sheet readers then read it)."""

    def __init__(self, path: Path):
        self.path, self.name = path, path.name
        self.zf = zipfile.ZipFile(path)
        self.fh = None
        self.buf = b""
        self.source = RowSource(iter(()), 1, "xlsx", "calamine-stream")
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ the sheet XML
    def _start(self) -> None:
        zf = self.zf
        part = self.part = _first_sheet_part(zf)
        if part is None:
            raise _NotChunkable()
        self.keep = {}
        for info in zf.infolist():
            n, low = info.filename, info.filename.lower()
            if n != part and (low in ("[content_types].xml", "_rels/.rels", "xl/workbook.xml",
                                      "xl/_rels/workbook.xml.rels")
                              or low.endswith(("styles.xml", "sharedstrings.xml"))):
                self.keep[n] = zf.read(n)
        self.total = zf.getinfo(part).file_size
        self.fh = zf.open(part)
        while b"<sheetData" not in self.buf and b":sheetData" not in self.buf:
            if not self._read():
                raise _NotChunkable()
        m = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", self.buf)
        if not m or m.group(2) == b"/":  # no rows: an empty sheet
            raise _NotChunkable()
        ns = self.ns = m.group(1) or b""
        self.prefix = re.sub(rb"<(?:\w+:)?dimension\b[^>]*/>", b"", self.buf[:m.end()])
        self.buf = self.buf[m.end():]
        self.row_start = b"<" + ns + b"row"
        self.data_end = b"</" + ns + b"sheetData>"
        self.closing = self.data_end + b"</" + ns + b"worksheet>"

    def _read(self) -> bool:
        """Appends the next block of XML to the buffer (False at the end). A block of
        only whitespace is not kept, beyond one space."""
        while True:
            block = self.fh.read(READ_BYTES)
            if not block:
                return False
            if block.strip(_WHITESPACE):
                self.buf += block
                return True
            if self.buf and not self.buf.endswith(b" "):
                self.buf += b" "

    def _cut(self, limit: int) -> int:
        """Where the next piece ends: just before the first row that starts at or after
        ``limit`` (so no row is split), else before the last row start found."""
        buf, tag = self.buf, self.row_start
        at = limit
        while True:
            i = buf.find(tag, at)
            if i < 0:
                break
            if buf[i + len(tag):i + len(tag) + 1] in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
                return i
            at = i + 1
        i = buf.rfind(tag, 1, limit)
        while i > 0 and buf[i + len(tag):i + len(tag) + 1] not in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
            i = buf.rfind(tag, 1, i)
        return i

    def pieces(self):
        """The sheet's rows as pieces of XML (each a run of whole rows)."""
        try:
            yield from self._pieces()
        except (zlib.error, zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ReadError(f"{self.name}: the workbook is damaged or incomplete ({type(exc).__name__}); "
                            "send the file again") from None

    def _pieces(self):
        limit = min(FIRST_PIECE_BYTES, CHUNK_BYTES)  # the first piece holds the title and header rows
        while True:
            while len(self.buf) < limit + len(self.row_start) + 1 and self.data_end not in self.buf:
                if not self._read():
                    break
            end = self.buf.find(self.data_end)
            if end >= 0 and end <= limit:
                piece = self.buf[:end]
                self._scan_tail(self.buf[end:])
                self.buf = b""
                done = True
            else:
                cut = self._cut(min(limit, end) if end >= 0 else limit)
                if cut <= 0:  # no row starts after the first: read on (a very long row)
                    if end >= 0:  # ... up to the end of the rows: they are one piece
                        limit = end
                        continue
                    if not self._read():
                        raise ReadError(f"{self.name}: the workbook is damaged (the sheet ends early); "
                                        "send the file again")
                    limit = len(self.buf)
                    continue
                piece, self.buf = self.buf[:cut], self.buf[cut:]
                done = False
            if b"/>" in piece and EMPTY_ROW.search(piece):
                piece = EMPTY_ROW.sub(b"", piece)
            if not _all_rows_numbered(piece, self.ns) and _ROW_WITHOUT_NUMBER.search(piece):
                raise ReadError(f"{self.name}: the sheet has rows without row numbers, which this reader "
                                "cannot place; open it in Excel and save it again")
            if piece.strip(_WHITESPACE):
                yield piece
            if done:
                return
            limit = CHUNK_BYTES

    def _scan_tail(self, tail: bytes) -> None:
        """Merged cells, from what follows the rows, read block by block."""
        while True:
            if b"mergeCell" in tail:
                self.source.merged.extend(_merged_refs(tail))
                cut = tail.rfind(b">")
                tail = tail[cut + 1:] if cut >= 0 else tail
            else:
                tail = tail[-200:]
            block = self.fh.read(READ_BYTES)
            if not block:
                return
            tail += block

    # --------------------------------------------------------------- parsing
    def workbook(self, sheet_xml: bytes) -> bytes:
        """A small workbook whose first sheet holds ``sheet_xml`` (rows)."""
        bio = io.BytesIO()
        with zipfile.ZipFile(bio, "w", zipfile.ZIP_STORED) as out:
            for n, data in self.keep.items():
                out.writestr(n, data)
            out.writestr(self.part, self.prefix + sheet_xml + self.closing)
        return bio.getvalue()

    def load_piece(self, piece: bytes):
        """A parsed piece: ('arrow', first row number, ColumnBlock) from fastexcel, or
        ('rows', first row number, rows) from python-calamine (see _piece_as_arrow)."""
        from python_calamine import CalamineWorkbook

        piece = error_cells_as_text(piece)
        check_extent(self.path.name, piece)
        first = _FIRST_ROW.search(piece, 0, 4096)
        if first is not None and int(first.group(1)) > 1:
            block = _piece_as_arrow(self.workbook, piece, int(first.group(1)), self.ns)
            if block is not None:
                return "arrow", int(first.group(1)), block
        wb = CalamineWorkbook.from_filelike(io.BytesIO(self.workbook(piece)))
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

    def _loaded(self, future, next_row):
        try:
            return future.result()
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError(f"{self.name}: the workbook is damaged ({type(exc).__name__} near row "
                            f"{next_row or 1}); send the file again") from None

    def blocks(self):
        """Blocks of rows (lists of rows, or ColumnBlocks), in order. A producer thread cuts
        the sheet into pieces (inflating the zip) and hands each to parser threads;
        fastexcel and calamine parse without holding the GIL. The caller meanwhile checks
        the rows of the piece before. At most XLSX_THREADS pieces wait parsed or in
        parsing (memory stays flat)."""
        from concurrent.futures import ThreadPoolExecutor

        next_row = None  # Excel row number of the next row to yield
        it = self.pieces()
        pool = ThreadPoolExecutor(max_workers=XLSX_THREADS, thread_name_prefix="costcalc-xlsx")
        ahead = _ReadAhead(lambda: pool.submit(self.load_piece, next(it)), XLSX_THREADS, "costcalc-xlsx-cut")
        try:
            while True:
                try:
                    future = ahead.next()
                except StopIteration:
                    break
                kind, r0, block = self._loaded(future, next_row)
                if r0 is None or not len(block):
                    continue
                if next_row is None:
                    self.source.first_row = next_row = r0
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
            self.close()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
        self.zf.close()

    def open(self) -> RowSource:
        rows = _BlockRows(self.blocks())
        # Read the first piece now: a workbook calamine cannot read this way is read whole instead.
        try:
            rows.peek()
        except Exception:  # including ReadError: the whole-sheet readers get their chance
            rows.close()
            raise _NotChunkable() from None
        source = self.source
        source.rows = rows
        source.close = rows.close
        fh, total = self.fh, self.total
        source.progress_position = lambda: fh.tell() if not fh.closed else total
        source.progress_total = total
        return source


def _open_calamine_chunked(path: Path) -> RowSource:
    """Stream a big first sheet (see :class:`SheetStream`)."""
    return SheetStream(path).open()


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
