"""The Instructions sheet of a template: what the file is, how to fill it in,
every column's meaning and allowed values, and how to name and send the file
(the watched folder's rules, docs/watch.md)."""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.schemas import DateLimits, FileType, Frequency, Schema, header_key
from costcalc.templates.columns import ColumnGuide, combinations_text, identifier_combinations

#: The header row of the column table on the Instructions sheet.
TABLE_HEADERS = ("Column", "Required", "What it means", "What to enter", "Allowed values", "Other accepted headers",
                 "Personal data")
#: The column table's "Required" cell of a column of identifier combinations: "Identifies (1, 3)".
IDENTIFIES = "Identifies"


@dataclass(frozen=True)
class Section:
    """A heading and its paragraphs (each a cell of its own)."""
    heading: str
    lines: tuple[str, ...]


def example_name(file_type: FileType) -> str:
    return f"{file_type.file_type}_2026-03-31.xlsx"


def sections(schema: Schema, file_type: FileType, guides: list[ColumnGuide], frequencies: dict[str, Frequency],
             limits: DateLimits, data_sheet: str) -> list[Section]:
    """The prose of the sheet, in order; the column table follows it."""
    required = [g.header for g in guides if g.required]
    needed = [f"{g.header} is needed too: {g.needed_note}" for g in guides if g.needed_note]
    out = [Section(f"{file_type.display_name}: how to fill in this workbook", (
        schema.description or schema.name,
        f"Data set: {file_type.display_name} (file type {file_type.file_type}, schema {schema.code}).",
    ))]
    out.append(Section("Filling in", (
        f"Fill in the sheet '{data_sheet}': one row per record, from row 2 down, one column per item.",
        "Keep the header row as it is (do not rename, delete or merge its cells), and keep "
        f"'{data_sheet}' the first sheet: only the first sheet is read.",
        "Required columns (bold, shaded header) must have a value in every row; a row without one is "
        "rejected. Leave any other cell blank when you do not have the value.",
        "Required: " + (", ".join(required) if required else "none") + ".",
        *_identify_lines(schema, guides),
        *needed,
        "Paste values only (Paste Special > Values), so the formats and checks of the columns stay. "
        "Excel checks dates, numbers and the drop-down lists as you type; the loader checks every row "
        "again when the file arrives.",
    )))
    date_lines = [
        "Enter dates as dates, dd/mm/yyyy (e.g. 31/03/2026); Excel shows them that way in this workbook.",
        f"Dates of service must be from {limits.earliest:%d/%m/%Y} to {limits.max_years_after_extract} "
        "years after the extract date.",
        f"A date of birth must not be in the future, nor more than {limits.max_age_years} years before the "
        "extract date; 01/01/1900 means the date of birth is not known.",
    ]
    if any(g.column.type == "date" for g in guides):
        out.append(Section("Dates", tuple(date_lines)))
    if any(g.column.type == "frequency" for g in guides):
        out.append(Section("Frequencies (how often a cost is charged)", tuple(
            f"{name}" + (f" (also accepted: {', '.join(f.synonyms)})" if f.synonyms else "")
            for name, f in frequencies.items())))
    naming = [
        "Save the workbook as .xlsx. Name it with the date the data was extracted, e.g. "
        f"{example_name(file_type)}"
        + (" (this file type carries its own snapshot date column, which is used instead)."
           if schema.extract_date_column else "."),
        f"Put it in incoming/{file_type.file_type}/ inside your own folder of the shared drop folder "
        "(or straight into incoming/, where its headers say what it is).",
        "Copy it there under a temporary name (e.g. ending .tmp or .part) and rename it when the copy is "
        "complete, or use a tool that does (WinSCP, rsync): a half-copied file is never read.",
        "Send the file itself, never a shortcut or link, and send each extract once: a file sent again "
        "unchanged changes nothing.",
        "Loaded files move to loaded/, refused ones to rejected/. A list of the rows that were not loaded, "
        "and why, is written beside the file as <file name>.errors.csv.",
    ]
    if "*" not in file_type.allowed_providers:
        naming.append("Who may send this file type: " + ", ".join(file_type.allowed_providers) + ".")
    out.append(Section("Naming and sending the file", tuple(naming)))
    return out


def _identify_lines(schema: Schema, guides: list[ColumnGuide]) -> list[str]:
    """What identifies the person, when the schema's combinations say more than the required
    columns (identified_by: GS01)."""
    if not identifier_combinations(schema):
        return []
    headers = {g.name: g.header for g in guides}
    return [
        "Enough to identify the person: every row needs one of these combinations, each of its columns "
        f"filled in: {combinations_text(schema, headers, numbered=True)}. Their headers are bold and shaded "
        "orange; a row with none of the combinations is rejected. Fill in every one you have: the more, the "
        "surer the match.",
        "An NHS number counts only when it is valid (10 digits, the last a correct check digit), and an NI "
        "number only in HMRC's format (two letters and six digits, e.g. AB 12 34 56 C); a made-up or placeholder "
        "number does not count.",
    ]


def table_rows(guides: list[ColumnGuide]) -> list[tuple[str, ...]]:
    """One row per column, in the data sheet's order (see :data:`TABLE_HEADERS`)."""
    rows = []
    for g in guides:
        required = "Yes" if g.required else (
            f"{IDENTIFIES} ({', '.join(map(str, g.combinations))})" if g.combinations
            else "Needed" if g.needed_note else "")
        means = g.description + (f" Needed: {g.needed_note}" if g.needed_note else "")
        others = ", ".join(a for a in dict.fromkeys((g.column.name, *g.column.aliases))
                           if header_key(a) != header_key(g.header))
        rows.append((g.header, required, means, g.what_to_enter, g.allowed, others,
                     "Yes" if g.column.personal else ""))
    return rows
