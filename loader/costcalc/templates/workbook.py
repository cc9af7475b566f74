"""The template workbook: the data sheet a provider fills in (first, as the loader
reads only the first sheet), the Instructions sheet, and a hidden sheet of the
drop-down lists."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname

from costcalc.safe_output import spreadsheet_cell
from costcalc.schemas import DateLimits, FileType, Frequency, Schema
from costcalc.templates import columns, instructions

DATA_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET = "Data", "Instructions", "Lists"
#: The header fill of a required column (a light amber: marked, still readable when printed).
REQUIRED_FILL = PatternFill(fill_type="solid", start_color="FFE699", end_color="FFE699")
OPTIONAL_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
#: The header fill of a column of an identifier combination (identified_by; a light orange).
IDENTIFIER_FILL = PatternFill(fill_type="solid", start_color="F8CBAD", end_color="F8CBAD")
#: The data validations apply from row 2 to Excel's last row.
LAST_ROW = 1_048_576
AUTHOR = "costcalc"


def _text(value: str) -> str:
    """Text from the schema as a cell value: never a formula, no characters Excel refuses."""
    return spreadsheet_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _comment(guide: columns.ColumnGuide, hint: str = "") -> Comment:
    parts = ["Required: every row needs a value." if guide.required else "",
             hint if guide.combinations else "",
             f"Needed: {guide.needed_note}" if guide.needed_note else "",
             guide.description, guide.what_to_enter, guide.allowed]
    text = "\n".join(p for p in parts if p)
    comment = Comment(ILLEGAL_CHARACTERS_RE.sub("", text), AUTHOR)
    comment.width, comment.height = 320, 40 + 18 * max(3, len(text) // 40)
    return comment


def _lists_sheet(wb: Workbook, frequencies: dict[str, Frequency]) -> str:
    """The hidden sheet of drop-down values; the range the frequency validation lists."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    ws["A1"] = "Frequency"
    for i, name in enumerate(frequencies, start=2):
        ws.cell(row=i, column=1, value=_text(name))
    return f"{quote_sheetname(LISTS_SHEET)}!$A$2:$A${len(frequencies) + 1}"


def _data_sheet(ws, schema: Schema, guides: list[columns.ColumnGuide], limits: DateLimits, list_range: str) -> None:
    ws.title = DATA_SHEET
    hint = columns.identify_hint(schema, {g.name: g.header for g in guides}) \
        if columns.identifier_combinations(schema) else ""
    for pos, g in enumerate(guides, start=1):
        letter = get_column_letter(pos)
        cell = ws.cell(row=1, column=pos, value=_text(g.header))
        cell.font = Font(bold=g.required or bool(g.combinations))
        cell.fill = REQUIRED_FILL if g.required else IDENTIFIER_FILL if g.combinations else OPTIONAL_FILL
        cell.alignment = Alignment(vertical="top")
        cell.comment = _comment(g, hint)
        dim = ws.column_dimensions[letter]
        dim.width = max(14, min(60, len(g.header) + 4))
        dim.number_format = g.number_format  # the cells a provider types into take the column's format
        dv = columns.validation(schema, g, limits, list_range, hint if g.combinations else "")
        if dv is not None:
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def _instructions_sheet(ws, schema: Schema, file_type: FileType, guides: list[columns.ColumnGuide],
                        frequencies: dict[str, Frequency], limits: DateLimits) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1
    for n, section in enumerate(instructions.sections(schema, file_type, guides, frequencies, limits, DATA_SHEET)):
        head = ws.cell(row=row, column=1, value=_text(section.heading))
        head.font = Font(bold=True, size=14 if n == 0 else 12)
        row += 1
        for line in section.lines:
            ws.cell(row=row, column=1, value=_text(line)).alignment = wrap
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(instructions.TABLE_HEADERS))
            ws.row_dimensions[row].height = 15 * max(1, len(line) // 150 + 1)
            row += 1
        row += 1
    ws.cell(row=row, column=1, value="Columns").font = Font(bold=True, size=12)
    row += 1
    for col, text in enumerate(instructions.TABLE_HEADERS, start=1):
        c = ws.cell(row=row, column=col, value=text)
        c.font = Font(bold=True)
        c.fill = OPTIONAL_FILL
    for values in instructions.table_rows(guides):
        row += 1
        for col, text in enumerate(values, start=1):
            c = ws.cell(row=row, column=col, value=_text(text) if text else None)
            c.alignment = wrap
        if values[1] == "Yes":
            ws.cell(row=row, column=1).font = Font(bold=True)
            ws.cell(row=row, column=1).fill = REQUIRED_FILL
        elif values[1].startswith(instructions.IDENTIFIES):
            ws.cell(row=row, column=1).font = Font(bold=True)
            ws.cell(row=row, column=1).fill = IDENTIFIER_FILL
    for col, width in enumerate((34, 10, 50, 40, 45, 30, 10), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def build(schema: Schema, file_type: FileType, frequencies: dict[str, Frequency], limits: DateLimits) -> Workbook:
    """The template workbook for ``file_type`` (of ``schema``)."""
    guides = columns.guides(schema, file_type, frequencies, limits)
    wb = Workbook()
    data = wb.active
    instructions_ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    list_range = _lists_sheet(wb, frequencies)
    _data_sheet(data, schema, guides, limits, list_range)
    _instructions_sheet(instructions_ws, schema, file_type, guides, frequencies, limits)
    wb.active = wb.index(instructions_ws)  # a provider opening it reads the instructions first
    data.sheet_view.tabSelected = False  # one selected tab: two would be grouped, typing into both
    instructions_ws.sheet_view.tabSelected = True
    wb.properties.title = _text(f"{file_type.display_name} template")
    wb.properties.creator = AUTHOR
    return wb


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

