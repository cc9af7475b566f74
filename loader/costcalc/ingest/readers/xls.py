""".xls workbooks (Excel 97-2003, BIFF8; Excel 5/95, BIFF5): the first sheet, read with
python-calamine in a child process (a damaged .xls can make it abort), with its error
cells turned into their text (``#DIV/0!``) so that they are rejected as the .xlsx
reader's are.

An .xls is an OLE2 compound file (it starts with the bytes D0 CF 11 E0 A1 B1 1A E1)
holding a ``Workbook`` (BIFF8) or ``Book`` (BIFF5) stream of records. python-calamine
reads the cell values, but it hands on an error cell (``#REF!``, ``#DIV/0!``, a formula
whose cached result is an error) as blank: a #REF! in a cost column would load as no
cost. So this module also walks the compound file's sector chains to the workbook
stream and scans the first sheet's records for error cells: BOOLERR records with the
error flag set and FORMULA records whose cached result is an error. Everything read
from the file is bounds-checked; a damaged file raises :class:`ReadError` with the
file's name and what to do, never an exception from the parser.
"""

from __future__ import annotations

import struct
from pathlib import Path

from costcalc.ingest.readers.common import ReadError, RowSource

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Chain terminators and special sector ids of the compound file format.
_END_OF_CHAIN, _FREE, _FAT_SECT, _DIFAT_SECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC
#: Excel's error values by BIFF code.
ERROR_CODES = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
               0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
#: BIFF record types used here.
_BOF, _EOF, _BOUNDSHEET, _FILEPASS, _BOOLERR, _FORMULA, _FORMULA_BIFF4 = (
    0x0809, 0x000A, 0x0085, 0x002F, 0x0205, 0x0006, 0x0406)
#: A workbook larger than this is not a provider's extract (and would be read whole).
MAX_BYTES = 512 * 1024 * 1024


class _Encrypted(Exception):
    """The workbook has a FILEPASS record: it is password-protected."""


class _Damaged(Exception):
    """The compound file or its records are not as the format says."""


def _damaged(name: str, what: str) -> ReadError:
    return ReadError(f"{name}: the .xls workbook is damaged or incomplete ({what}); "
                     "open it in Excel, save it as .xlsx and send it again")


class _Compound:
    """The streams of an OLE2 compound file, read from bytes (bounds-checked)."""

    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise _Damaged("no compound-file header")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise _Damaged("bad sector size")
        self.sector = 1 << shift
        self.mini_sector = 1 << mini_shift
        (n_fat, self.first_dir, _, self.mini_cutoff, self.first_minifat, n_minifat,
         first_difat, n_difat) = struct.unpack_from("<IIIIIIII", data, 0x2C)
        n_sectors = len(data) // self.sector
        if n_fat > n_sectors or n_difat > n_sectors or n_minifat > n_sectors:
            raise _Damaged("sector counts larger than the file")
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < _DIFAT_SECT]
        sect, seen = first_difat, set()
        while sect < _DIFAT_SECT and len(fat_sectors) < n_fat:
            if sect in seen:
                raise _Damaged("a loop in the sector table")
            seen.add(sect)
            block = self._sector(sect)
            ids = struct.unpack_from(f"<{self.sector // 4}I", block)
            fat_sectors.extend(s for s in ids[:-1] if s < _DIFAT_SECT)
            sect = ids[-1]
        fat = bytearray()
        for s in fat_sectors[:n_fat]:
            fat += self._sector(s)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", fat)
        self.entries = self._directory()
        root = self.entries[0] if self.entries else None
        if root is None or root[1] != 5:
            raise _Damaged("no root directory entry")
        self.minifat: tuple = ()
        self._mini_stream: bytes | None = None
        self._root = root

    def _sector(self, sect: int) -> bytes:
        start = (sect + 1) * self.sector  # the header fills sector -1 (512 bytes, or 4,096 in version 4)
        if sect >= _DIFAT_SECT or start + self.sector > len(self.data):
            raise _Damaged("a sector beyond the end of the file")
        return self.data[start:start + self.sector]

    def _chain(self, first: int, limit: int) -> bytes:
        out, sect, seen = bytearray(), first, set()
        while sect != _END_OF_CHAIN and len(out) < limit:
            if sect in seen or sect >= len(self.fat):
                raise _Damaged("a broken sector chain")
            seen.add(sect)
            out += self._sector(sect)
            sect = self.fat[sect]
        if len(out) < limit:
            raise _Damaged("a stream shorter than its directory entry says")
        return bytes(out[:limit])

    def _directory(self) -> list[tuple[str, int, int, int]]:
        """(name, type, first sector, size) of every directory entry."""
        raw, sect, seen = bytearray(), self.first_dir, set()
        while sect != _END_OF_CHAIN:
            if sect in seen or sect >= len(self.fat) or len(seen) > 1_000_000:
                raise _Damaged("a broken directory chain")
            seen.add(sect)
            raw += self._sector(sect)
            sect = self.fat[sect]
        entries = []
        for off in range(0, len(raw) - 127, 128):
            name_len, kind = struct.unpack_from("<HB", raw, off + 64)
            name = raw[off:off + max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
            first, size = struct.unpack_from("<II", raw, off + 116)
            entries.append((name, kind, first, size))
        return entries

    def stream(self, *names: str) -> bytes | None:
        """The first stream (directory type 2) called one of ``names`` (case-insensitive)."""
        wanted = {n.lower() for n in names}
        entry = next((e for e in self.entries if e[1] == 2 and e[0].lower() in wanted), None)
        if entry is None:
            return None
        _, _, first, size = entry
        if size > MAX_BYTES:
            raise _Damaged("a stream larger than any workbook")
        if size >= self.mini_cutoff:
            return self._chain(first, size)
        # A small stream lives in the mini stream (the root entry's chain), in 64-byte sectors.
        if self._mini_stream is None:
            _, _, root_first, root_size = self._root
            self._mini_stream = self._chain(root_first, min(root_size, MAX_BYTES))
            minifat = self._chain_all(self.first_minifat) if self.first_minifat < _DIFAT_SECT else b""
            self.minifat = struct.unpack(f"<{len(minifat) // 4}I", minifat)
        out, sect, seen = bytearray(), first, set()
        while sect != _END_OF_CHAIN and len(out) < size:
            start = sect * self.mini_sector
            if sect in seen or sect >= len(self.minifat) or start + self.mini_sector > len(self._mini_stream):
                raise _Damaged("a broken mini-sector chain")
            seen.add(sect)
            out += self._mini_stream[start:start + self.mini_sector]
            sect = self.minifat[sect]
        if len(out) < size:
            raise _Damaged("a stream shorter than its directory entry says")
        return bytes(out[:size])

    def _chain_all(self, first: int) -> bytes:
        out, sect, seen = bytearray(), first, set()
        while sect != _END_OF_CHAIN:
            if sect in seen or sect >= len(self.fat):
                raise _Damaged("a broken sector chain")
            seen.add(sect)
            out += self._sector(sect)
            sect = self.fat[sect]
        return bytes(out)


def _records(book: bytes, start: int):
    """(type, body) of each BIFF record from ``start`` to the substream's EOF."""
    pos = start
    while pos + 4 <= len(book):
        rtype, size = struct.unpack_from("<HH", book, pos)
        body = book[pos + 4:pos + 4 + size]
        if len(body) < size:
            raise _Damaged("a record cut off")
        yield rtype, body
        if rtype == _EOF:
            return
        pos += 4 + size


def first_sheet_errors(book: bytes) -> dict[tuple[int, int], str]:
    """{(row, column) (0-based): '#REF!', ...} for the error cells of the first sheet."""
    sheet_at, encrypted = None, False
    for rtype, body in _records(book, 0):
        if rtype == _FILEPASS:
            encrypted = True
        elif rtype == _BOUNDSHEET and sheet_at is None and len(body) >= 4:
            sheet_at = struct.unpack_from("<I", body, 0)[0]
    if encrypted:
        raise _Encrypted()
    if sheet_at is None:
        return {}
    if sheet_at + 4 > len(book):
        raise _Damaged("the first sheet lies beyond the end of the workbook")
    errors = {}
    for rtype, body in _records(book, sheet_at):
        if rtype == _BOOLERR and len(body) >= 8 and body[7] == 1:
            row, col = struct.unpack_from("<HH", body, 0)
            errors[(row, col)] = ERROR_CODES.get(body[6], "#N/A")
        elif rtype in (_FORMULA, _FORMULA_BIFF4) and len(body) >= 14:
            result = body[6:14]
            if result[0] == 2 and result[6:8] == b"\xff\xff":
                row, col = struct.unpack_from("<HH", body, 0)
                errors[(row, col)] = ERROR_CODES.get(result[2], "#N/A")
    return errors


def is_workbook(data: bytes) -> bool:
    """Whether ``data`` (a whole OLE2 file) holds an Excel workbook stream that can be read
    to its end: False for a damaged or partly copied file, or another Office document."""
    try:
        return _Compound(data).stream("Workbook", "Book") is not None
    except (_Damaged, struct.error, MemoryError):
        return False


def open_xls(path: Path) -> RowSource:
    """The first sheet of the .xls at ``path`` as rows, error cells as their text."""
    name = path.name
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ReadError(f"{name}: the .xls workbook is over {MAX_BYTES // 2**20} MB; "
                            "save it as .xlsx or CSV and send that")
        data = path.read_bytes()
        book = _Compound(data).stream("Workbook", "Book")
        if book is None:
            raise ReadError(f"{name}: this is an Office document but not an Excel workbook; "
                            "send an .xlsx workbook or a CSV file")
        errors = first_sheet_errors(book)
    except _Encrypted:
        raise ReadError(f"{name}: the workbook is password-protected; remove the password") from None
    except (_Damaged, struct.error) as exc:
        raise _damaged(name, str(exc) if isinstance(exc, _Damaged) else "a record cut off") from None
    status, payload = _read_in_child(data)
    if status == "password":
        raise ReadError(f"{name}: the workbook is password-protected; remove the password")
    if status == "nosheets":
        raise ReadError(f"{name}: the workbook has no sheets")
    if status != "ok":
        raise _damaged(name, payload)
    all_rows, ranges, start = payload
    merged = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in ranges or []]
    if start is None:
        return RowSource(iter(()), 1, "xls", "calamine-xls", merged=merged)
    # iter_rows() starts at the sheet's first row (A1's row) but at its first used column.
    first_col = start[1]
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (r, c), text in errors.items():
        by_row.setdefault(r, []).append((c, text))
    counter = [0]

    def gen():
        pad = [""] * first_col
        for i, row in enumerate(all_rows):
            counter[0] += 1
            row = pad + row if first_col else row
            for c, text in by_row.get(i, ()):
                if c >= len(row):
                    row += [""] * (c + 1 - len(row))
                row[c] = text
            yield row

    rows = gen()
    return RowSource(rows, 1, "xls", "calamine-xls", progress_total=len(all_rows), merged=merged,
                     progress_position=lambda: counter[0], close=rows.close)


#: The child process reading the workbook: python-calamine, with its memory capped.
_CHILD = r"""
import io, pickle, resource, sys
data = sys.stdin.buffer.read()
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from python_calamine import CalamineError, CalamineWorkbook, PasswordError
out = sys.stdout.buffer
try:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))  # by content, whatever the file's name
    if not wb.sheet_names:
        result = ("nosheets", None)
    else:
        sheet = wb.get_sheet_by_index(0)
        rows = [list(r) for r in sheet.iter_rows()] if sheet.start is not None else []
        result = ("ok", (rows, list(sheet.merged_cell_ranges or []), sheet.start))
except PasswordError:
    result = ("password", None)
except MemoryError:
    result = ("damaged", "it asks for more memory than any workbook needs")
except (CalamineError, ValueError, OSError) as exc:
    result = ("damaged", type(exc).__name__)
pickle.dump(result, out)
"""
#: The child's address-space cap, and how long it may take.
CHILD_MEMORY_BYTES = 4 * 1024 ** 3
CHILD_TIMEOUT_SECONDS = 600


def _read_in_child(data: bytes) -> tuple[str, object]:
    """The first sheet's rows, merged ranges and start, read by python-calamine in a child
    process: on a damaged .xls calamine can ask for hundreds of gigabytes and abort the
    whole process (measured: a few changed bytes in a DIMENSIONS record), which must not
    take the loader or the watcher with it."""
    import pickle
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(CHILD_MEMORY_BYTES)], input=data,
                              capture_output=True, timeout=CHILD_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return "damaged", f"reading it took over {CHILD_TIMEOUT_SECONDS} s"
    if done.returncode != 0 or not done.stdout:
        return "damaged", "the reader stopped on it"
    try:
        return pickle.loads(done.stdout)  # written by _CHILD above, from values calamine read
    except Exception:
        return "damaged", "the reader stopped on it"
