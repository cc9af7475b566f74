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
- ``.xls`` (Excel 97-2003; recognised by content, an OLE2 compound file): first
  sheet, read with python-calamine, error cells as their text (``readers/xls.py``).
- ``.csv``/``.txt``: UTF-8 (with or without BOM) or Windows-1252, detected by
  a streaming pre-scan; read by pyarrow's CSV parser in blocks of Arrow
  columns, with the ``csv`` module for what Arrow cannot read.

``RowSource.take_block`` hands on rows in blocks: lists of rows, or a
:class:`ColumnBlock` of Arrow columns.
"""

from __future__ import annotations

import os
from pathlib import Path

from costcalc.ingest.readers import xlsx_stream
from costcalc.ingest.readers.common import ColumnBlock, ReadError, RowSource, sniff
from costcalc.ingest.readers.csv import _open_csv, detect_encoding
from costcalc.ingest.readers.xls import open_xls
from costcalc.ingest.readers.xlsx import (_check_xlsx_container, _open_calamine, _open_openpyxl,
                                          _sheet_xml_size, error_cells_as_text)

__all__ = ["ColumnBlock", "ReadError", "RowSource", "detect_encoding", "error_cells_as_text", "open_rows",
           "sniff"]

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
    if kind == "xls":
        return open_xls(path)
    _check_xlsx_container(path)
    if engine == "openpyxl":
        return _open_openpyxl(path)
    try:
        if _sheet_xml_size(path) > xlsx_stream.CHUNK_BYTES:
            try:
                return xlsx_stream.SheetStream(path).open()
            except xlsx_stream._NotChunkable:
                pass
        return _open_calamine(path)
    except ReadError:
        raise
    except Exception:
        if engine == "calamine":
            raise
        return _open_openpyxl(path)
