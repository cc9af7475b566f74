"""What the loader tells a provider, in the provider's words.

Every message a provider can receive (the error report beside their file, the
load log the watcher shows) is built here from the templates in
:data:`TEMPLATES`, so that the wording can be checked in one place against the
checklist in docs/messages.md: no schema codes, no internal column keys, no
``_extra``; columns are named by the header the provider wrote (or, for a
column they left out, by the header we ask for: :attr:`Column.display`).

Hints (:func:`hint`) go only into the provider's error report: they may repeat
the provider's own value, which the terminal must never show.
"""

from __future__ import annotations

import re

from costcalc.schemas import Column, FileType, Schema, load_file_types

#: Every message template the loader uses for a provider, by name. Placeholders
#: are filled with header texts, display names, numbers and the provider's name.
TEMPLATES: dict[str, str] = {
    # whole-file refusals
    "no_rows": "the file has no rows",
    "no_rows_xlsx": "the file has no rows (the first sheet is empty)",
    "no_header": "no header row found in the first {rows} rows: none of the expected column names appears",
    "separator_hint": "; the file looks separated by semicolons or tabs: save it as 'CSV (comma delimited)'",
    "misfit_given": "the columns do not fit {data_set} files: missing {missing}{unrecognised}",
    "misfit_any": ("the columns do not fit any data set we take; the closest is {data_set} "
                   "(header row {row}): missing {missing}{unrecognised}"),
    "unrecognised_part": "; not recognised: {headers}",
    "duplicate_header": "columns {first} and {second} are both headed {header}: remove or rename one",
    "duplicate_meaning": "columns {first} ({first_header}) and {second} ({second_header}) both mean {header}: remove one",
    "refused_unknown": "{data_set} files may only have known columns; not recognised: {headers}: remove or rename them",
    "no_cost_column": "no cost column: expected {expected}{unrecognised}; without it every cost would be missing",
    "blank_cost_column": "the {header} column is blank in every row: there are no costs to load",
    "no_frequency_column": ("no frequency column: expected {expected}, saying how often each cost is charged "
                            "(e.g. Weekly, Monthly, One-off)"),
    "merged_cells": ("the sheet has merged cells in the header or data rows ({where}); "
                     "unmerge them and fill in every cell"),
    "provider_not_allowed": "provider {provider} may not send {data_set} files (allowed: {allowed})",
    "no_data_rows": "the file has a header but no data rows; nothing loaded",
    "no_row_accepted": ("none of its {read} rows could be loaded; nothing loaded; fix the rows listed "
                        "and send the whole file again"),
    "too_many_rejected": ("{rejected} of {read} rows have errors, more than the {share} allowed; nothing loaded; "
                          "fix the rows listed and send the whole file again"),
    "strict": ("the whole file was refused: {rejected} of {read} rows have errors, and this load takes a "
               "file only when every row is right; nothing loaded"),
    # one cell or row
    "mandatory_blank": "{header} is blank; it must be filled in",
    "frequency_blank": "{header} is blank; say how often the cost is charged (e.g. Weekly, Monthly, One-off)",
    "dates_backwards": "{start} is after {end}",
    "dob_future": "date of birth is in the future",
    "not_identified": "not enough to identify the person: fill in {options}",
    "not_identified_number": ("{header} cannot identify the person (an example, temporary or placeholder "
                              "number); fill in {options}"),
    # header notes (the file still loads)
    "unrecognised_header": "column not recognised; its values are not loaded",
    "did_you_mean": "did you mean {expected}?",
    # the report's first line
    "summary_refused": "The file was not loaded: {reason}. Fix this and send the whole file again.",
    "summary_rows": "{rejected} of {read} rows not loaded; fix these rows and send the whole file again.",
    "summary_all_loaded": "All {read} rows loaded.",
    "summary_columns": " {count} column(s) not recognised: their values were not loaded ({headers}).",
}


def say(name: str, **values) -> str:
    """The message ``name`` filled in."""
    return TEMPLATES[name].format(**values)


#: Longest header text quoted in a message (a header is a name, not a paragraph).
QUOTE_LIMIT = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def plain(text: str) -> str:
    """A header as shown in a message: control characters (which could drive a
    terminal) shown as '?', cut to :data:`QUOTE_LIMIT` characters."""
    text = _CONTROL.sub("?", str(text))
    if len(text) > QUOTE_LIMIT:
        text = text[:QUOTE_LIMIT - 1] + "…"
    return text


def quoted(text: str) -> str:
    """A header as shown in a message: :func:`plain`, in single quotes."""
    return "'" + plain(str(text).replace("'", "’")) + "'"


def listed(texts) -> str:
    return ", ".join(quoted(t) for t in texts)


def data_set_name(schema: Schema, file_type: FileType | None = None) -> str:
    """What a provider calls the data set: the file type's display name (the schema's own
    file type when none is given), else the schema's name."""
    if file_type is None:
        file_type = next((ft for ft in load_file_types().values() if ft.schema_code == schema.code), None)
    return file_type.display_name if file_type is not None else schema.name


def expected(columns) -> str:
    """Columns asked for, by their display header: "'Weekly Cost' or 'Unit Cost'"."""
    return " or ".join(quoted(c.display) for c in columns)


def summary(status: str, read: int, rejected: int, refusal: str | None, unrecognised: list[str]) -> str:
    """The error report's first line."""
    if status == "rejected" and refusal is not None:
        return say("summary_refused", reason=refusal.rstrip("."))
    line = say("summary_rows", rejected=rejected, read=read) if rejected else say("summary_all_loaded", read=read)
    if unrecognised:
        line += say("summary_columns", count=len(unrecognised), headers=listed(unrecognised))
    return line


# --------------------------------------------------------------------------- hints

_US_DATE = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})\s*$")
_SHORT_YEAR = re.compile(r"^\s*\d{1,2}([/.\-])\d{1,2}\1\d{2}\s*$")
_NOT_YET = {"ongoing", "on going", "on-going", "tbc", "tba", "tbd", "current", "continuing", "open",
            "present", "to date", "n/k", "nk", "not known yet", "pending", "open ended", "open-ended"}
_EURO_MONEY = re.compile(r"^\s*£?\s*\d{1,3}(\.\d{3})+,\d{1,2}\s*$|^\s*£?\s*\d+,\d{1,2}\s*$")


def hint(column: Column | None, value: str | None, reason: str) -> str:
    """A hint for a common mistake in one rejected cell, or ''. May repeat the provider's
    own value, so it belongs in their error report only."""
    if column is None:
        return ""
    text = (value or "").strip()
    low = text.lower()
    if column.type == "date":
        m = _US_DATE.match(text)
        if m:
            a, b, year = int(m.group(1)), int(m.group(3)), m.group(4)
            if a <= 12 < b <= 31:  # month/day, and only that reading works
                return f"dates are day/month/year: did you mean {b:02d}/{a:02d}/{year}?"
        if _SHORT_YEAR.match(text):
            return "write the year in full, e.g. 23/12/2025"
        if low in _NOT_YET:
            return "leave the cell blank if ongoing or not known yet"
        if text and "not a date" in reason:
            return "write a date as dd/mm/yyyy, e.g. 23/12/2025"
        return ""
    if column.type == "money":
        if _EURO_MONEY.match(text):
            return "write pounds and pence with a full stop, and no other separators: e.g. 1234.56"
        if re.search(r"[A-Za-z]", text.replace("GBP", "")):
            return "write the amount only, e.g. 120.50; say how often it is charged in the frequency column"
        if text:
            return "write the amount as a number, e.g. 1234.56 or £1,234.56"
        return ""
    if column.type == "integer" and text:
        if re.fullmatch(r"\s*\d+[.,]\d+\s*", text):
            return "a whole number is needed, e.g. 3"
        return "write a number, e.g. 3"
    if column.type == "frequency":
        return "use one of: Daily, Weekly, Fortnightly, 4 Weekly, Monthly, Annual, One-off"
    return ""
