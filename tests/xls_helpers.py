"""Real .xls workbooks for the tests, written with xlwt (a test-only dependency:
python-calamine, which costcalc reads .xls with, cannot write). (Not a test module.)"""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import xlwt

DATE_STYLE = xlwt.easyxf(num_format_str="dd/mm/yyyy")
DATETIME_STYLE = xlwt.easyxf(num_format_str="dd/mm/yyyy hh:mm")


#: Excel's error values by their BIFF code.
ERROR_CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D,
               "#NUM!": 0x24, "#N/A": 0x2A}


class ErrorCell:
    """A cell holding an Excel error value (a BOOLERR record), e.g. ErrorCell('#REF!')."""

    def __init__(self, text: str):
        self.text = text


def write_xls(path: Path, head: list[str], rows: list[list], *, first_row: int = 0, first_col: int = 0) -> Path:
    """An .xls whose first sheet holds ``head`` then ``rows``: a ``date`` as a date-formatted
    number, a ``datetime`` likewise with a time, an ErrorCell as an error cell, None blank."""
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Data")
    for r, values in enumerate([head] + rows):
        for c, v in enumerate(values):
            at_r, at_c = first_row + r, first_col + c
            if v is None:
                continue
            if isinstance(v, ErrorCell):
                ws.row(at_r).set_cell_error(at_c, ERROR_CODES[v.text])
            elif isinstance(v, dt.datetime):
                ws.write(at_r, at_c, v, DATETIME_STYLE)
            elif isinstance(v, dt.date):
                ws.write(at_r, at_c, v, DATE_STYLE)
            else:
                ws.write(at_r, at_c, v)
    ws2 = wb.add_sheet("Notes")
    ws2.write(0, 0, "the second sheet is never read")
    wb.save(str(path))
    return path


def set_formula_error(path: Path, row: int, col: int, code: int = 0x07) -> None:
    """Give the FORMULA record at (row, col) (0-based) a cached error result (0x07 = #DIV/0!),
    as Excel saves a formula that evaluates to an error; xlwt itself writes no result."""
    data = bytearray(path.read_bytes())
    at = data.find(b"\x06\x00")
    while at >= 0:
        size, r, c = struct.unpack_from("<HHH", data, at + 2)
        if (r, c) == (row, col) and size >= 22:
            data[at + 10:at + 18] = bytes([2, 0, code, 0, 0, 0, 0xFF, 0xFF])
            path.write_bytes(bytes(data))
            return
        at = data.find(b"\x06\x00", at + 1)
    raise AssertionError(f"no FORMULA record at {row},{col}")


def huge_dimensions(path: Path) -> None:
    """Make the first sheet's DIMENSIONS record claim 2**31 rows by 16,384 columns (a few
    changed bytes): python-calamine then asks for hundreds of GB and aborts the process."""
    data = bytearray(path.read_bytes())
    at = data.find(b"\x00\x02\x0e\x00")
    assert at > 0
    struct.pack_into("<IIHH", data, at + 4, 0, 0x7FFFFFFF, 0, 0x3FFF)
    path.write_bytes(bytes(data))
