""".xlsx workbooks read whole: the container checks (not a zip, .ods, encrypted, zip
bombs), the first sheet's part, python-calamine for a sheet read in one go, openpyxl as
the fallback, and error cells (``t="e"``) turned into text so they are rejected as such."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

from costcalc.ingest.readers.common import ReadError, RowSource

#: The zip-bomb guard. A part that would inflate to more than BOMB_MIN_BYTES and more
#: than MAX_EXPANSION times its compressed size is refused: real sheet XML compresses
#: some 5 to 30 times (measured on the demo and providers' workbooks), a sheet padded
#: with whitespace or a zip bomb 1,000 times and more.
MAX_EXPANSION = 200
BOMB_MIN_BYTES = 64 * 1024 * 1024
#: Parts python-calamine inflates itself (the zip directory's sizes are checked against
#: what they really inflate to before it reads them: see check_inflated).
_CALAMINE_PARTS = ("xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml")

#: The extent guard. python-calamine lays a sheet out as a dense grid from its first to
#: its last value, so one stray value at XFD1048576 asks for 512 GB and aborts the whole
#: process (measured: Rust's out-of-memory abort, no Python exception, the watcher dies).
#: A provider's table never reaches past column ZZ (702 columns; the widest schema has
#: a few dozen), and a sheet (or a streamed piece of one) may not span more than
#: MAX_SPAN_CELLS grid cells unless it really holds a quarter of them.
MAX_COLUMN = "ZZ"
MAX_SPAN_CELLS = 10_000_000
_WIDE_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{3,}[0-9]+)"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,2})[0-9]+"')
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]+)"')
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>]")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check_extent(name: str, xml: bytes) -> None:
    """Refuse sheet XML whose values lie so far apart that reading it would need a grid
    far larger than what it holds (see MAX_SPAN_CELLS): a ReadError naming the file and
    the stray cell, never a crash."""
    wide = _WIDE_CELL.search(xml)
    if wide is not None:
        ref = wide.group(1).decode()
        raise ReadError(f"{name}: there is a value in cell {ref}, beyond column {MAX_COLUMN}; a table this tool "
                        f"reads never reaches so far. Delete that cell (or everything right of the table) and "
                        f"send the file again.")
    first = _ROW_NUMBER.search(xml)
    if first is None:
        return  # rows placed by position: the grid is as tall as the rows written
    last = None
    for last in _ROW_NUMBER.finditer(xml, max(first.start(), len(xml) - 65536)):
        pass
    if last is None or last.start() <= first.start():
        for last in _ROW_NUMBER.finditer(xml, first.start()):
            pass
    top, bottom = int(first.group(1)), int(last.group(1))
    rows = abs(bottom - top) + 1
    if rows * _column_number(MAX_COLUMN.encode()) <= MAX_SPAN_CELLS:
        return
    width = max((_column_number(m.group(1)) for m in _CELL_REF.finditer(xml)), default=1)
    cells = len(_CELL_START.findall(xml))
    if rows * width > MAX_SPAN_CELLS and rows * width > 4 * cells:
        raise ReadError(f"{name}: its {cells:,} values are spread over rows {top:,} to {bottom:,} with long "
                        f"empty stretches between them; delete stray cells far below the table and send the "
                        f"file again.")


def check_expansion(name: str, zf: zipfile.ZipFile) -> None:
    """Refuses a workbook whose zip directory says a part expands beyond the guard."""
    for info in zf.infolist():
        if info.file_size > BOMB_MIN_BYTES and info.file_size > MAX_EXPANSION * max(info.compress_size, 1):
            raise ReadError(_bomb(name, info.filename, info.compress_size, info.file_size))


def _bomb(name: str, part: str, packed: int, size: int) -> str:
    return (f"{name}: refused: the part {part} would expand from {packed:,} to {size:,} bytes "
            f"({size // max(packed, 1):,} times; at most {MAX_EXPANSION} times is accepted for parts over "
            f"{BOMB_MIN_BYTES // 2**20} MB), which no real workbook does (a zip bomb, or a sheet padded "
            "with blank space); open it in Excel, save it again and send it again")


def check_inflated(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Inflates ``info``'s data (in bounded memory, discarding it) and refuses the workbook
    when it holds more than the zip directory says, or more than the guard allows: the
    directory can lie, and python-calamine trusts the data."""
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return
    limit = info.file_size
    if limit > BOMB_MIN_BYTES:
        limit = min(limit, MAX_EXPANSION * max(info.compress_size, 1))
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        head = fh.read(30)
        if head[:4] != b"PK\x03\x04":
            raise ReadError(f"{path.name}: the workbook is damaged (a part is missing); send the file again")
        fh.seek(info.header_offset + 30 + int.from_bytes(head[26:28], "little")
                + int.from_bytes(head[28:30], "little"))
        inflate = zlib.decompressobj(-15)
        out, left = 0, info.compress_size
        while left > 0 and not inflate.eof:
            data = fh.read(min(1 << 20, left))
            if not data:
                break
            left -= len(data)
            while data:
                out += len(inflate.decompress(data, 1 << 22))
                if out > limit:
                    raise ReadError(_bomb(path.name, info.filename, info.compress_size, out)
                                    .replace("would expand", "expands (more than its zip directory says)"))
                data = inflate.unconsumed_tail


def _check_xlsx_container(path: Path) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            check_expansion(name, zf)
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
        with zipfile.ZipFile(path) as zf:  # calamine inflates these itself, trusting the data
            part = _first_sheet_part(zf)
            for info in zf.infolist():
                if info.filename == part or info.filename in _CALAMINE_PARTS:
                    check_inflated(path, zf, info)
        rewritten = _sanitised_workbook(path)
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


#: A row with nothing in it, written self-closing (``<row r="7"/>``, ``<row/>``).
EMPTY_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*/>")
#: A row that is not self-closing and has no number.
_UNNUMBERED_ROW = re.compile(rb"<(?:\w+:)?row\b(?![^>]*\br=)[^>]*(?<!/)>")


def without_empty_rows(xml: bytes) -> bytes:
    """Sheet XML without its empty self-closing rows, where that cannot move a row: when
    every other row carries its number (``r="…"``). A million ``<row/>`` after the data
    made calamine hand on a million empty rows (53 s), or the sheet look "damaged"."""
    if b"/>" not in xml or not EMPTY_ROW.search(xml) or _UNNUMBERED_ROW.search(xml):
        return xml  # (rows placed by position: an empty row counts)
    return EMPTY_ROW.sub(b"", xml)


def _sanitised_workbook(path: Path) -> bytes | None:
    """The workbook, in memory, with its first sheet's error cells as text (see
    :func:`error_cells_as_text`) and its empty self-closing rows dropped (see
    :func:`without_empty_rows`); None when there is nothing to change. Only for sheets
    read whole (at most CHUNK_BYTES of XML, checked while inflating: see check_expansion)."""
    with zipfile.ZipFile(path) as zf:
        part = _first_sheet_part(zf)
        if part is None or part not in zf.NameToInfo or zf.getinfo(part).file_size > BOMB_MIN_BYTES:
            return None  # (a sheet this big is streamed, piece by piece: see xlsx_stream)
        sheet = zf.read(part)
        new = without_empty_rows(error_cells_as_text(sheet))
        check_extent(path.name, new)
        if new is sheet:
            return None
        bio = io.BytesIO()
        with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info in zf.infolist():
                out.writestr(info.filename, new if info.filename == part else zf.read(info.filename))
        return bio.getvalue()

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
