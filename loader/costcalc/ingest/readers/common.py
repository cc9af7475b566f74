"""What every reader shares: the error, the row source, blocks of Arrow columns, the
read-ahead thread, and recognising a file by its content (:func:`sniff`)."""

from __future__ import annotations

import codecs
import datetime as _dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa

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
    kind: str  # 'xlsx' | 'xls' | 'csv'
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
    """'xlsx', 'xls' (an OLE2 compound file) or 'csv' for a readable file; raises ReadError
    naming the file otherwise."""
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
        return "xls"  # an Excel 97-2003 workbook, or another Office document (readers/xls.py tells)
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
    if ext == ".xls":
        if head.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
            raise ReadError(f"{name}: not an .xls workbook but a web page or XML saved with an .xls name; "
                            "open it in Excel and save it as .xlsx, or export CSV")
        raise ReadError(f"{name}: not an .xls workbook (the content is plain text); "
                        "rename it to .csv if it is a CSV file")
    if ext in (".csv", ".txt", ""):
        return "csv"
    raise ReadError(f"{name}: unsupported file type {ext!r}; send an .xlsx or .xls workbook or a .csv file")


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
