"""CSV files: the encoding (UTF-8 with or without BOM, or Windows-1252), detected by a
streaming pre-scan; rows read by pyarrow's CSV parser in blocks of Arrow columns, with the
``csv`` module for what Arrow cannot read."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
from pathlib import Path

import pyarrow as pa
from pyarrow import csv as pacsv

from costcalc.ingest.readers.common import ColumnBlock, ReadError, RowSource, _ReadAhead

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
