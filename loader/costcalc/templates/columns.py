"""What a provider is told, and held to, for each column of a template: what to
enter, the cell format, and the data validation Excel applies while typing.

Everything comes from the schema (``schemas/*.yaml``), its file type
(``seeds/file_types.csv``), ``schemas/frequencies.yaml`` and
``schemas/limits.yaml``; nothing here lists columns. The loader stays the
judge: a validation only catches a typing mistake early (docs/templates.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.worksheet.datavalidation import DataValidation

from costcalc.schemas import Column, DateLimits, FileType, Frequency, Schema

#: Excel's limits on a data validation's texts (longer ones make Excel call the file damaged).
TITLE_MAX, PROMPT_MAX, ERROR_MAX = 32, 255, 225

#: The cell formats of the data sheet, by column type: dates as the UK writes them,
#: money in pounds and pence, whole numbers plain, everything else as text (so
#: Excel keeps leading zeros of references and never turns a code into a number or date).
NUMBER_FORMATS = {
    "date": "dd/mm/yyyy",
    "money": "#,##0.00",
    "integer": "0",
}
TEXT_FORMAT = "@"

#: What to enter, by column type (the instructions sheet and each header's comment).
WHAT_TO_ENTER = {
    "text": "Text.",
    "integer": "A whole number, 0 or more.",
    "money": "An amount in pounds and pence, e.g. 1234.56 (no £ sign needed).",
    "date": "A date, dd/mm/yyyy (e.g. 31/03/2026).",
    "postcode": "A UK postcode, e.g. SW1A 1AA.",
    "nhs_number": "The 10-digit NHS number, e.g. 943 476 5919.",
    "ni_number": "The National Insurance number, e.g. QQ 12 34 56 C.",
    "frequency": "How often the cost is charged: choose from the list.",
    "uprn": "The property's UPRN: a whole number of up to 12 digits, e.g. 100023336956.",
}

#: What a column without a description of its own is, from the part it plays in
#: the schema (``identity`` and ``service_use``).
_IDENTITY_ROLES = {
    "reference": "Your reference for the person (used to match their records).",
    "surname": "The person's surname.",
    "firstname": "The person's first name.",
    "dob": "The person's date of birth.",
    "postcode": "The postcode of the person's address.",
    "ni_number": "The person's National Insurance number.",
    "nhs_number": "The person's NHS number.",
}
_SERVICE_ROLES = {
    "service_type": "The type of service provided (as your system names it).",
    "need": "The need the service meets.",
    "start": "The day the service started.",
    "end": "The last day of the service; leave blank while it is still going on.",
    "unit_cost": "The cost per frequency unit (e.g. per week).",
    "frequency": "How often the cost is charged.",
}


@dataclass(frozen=True)
class ColumnGuide:
    """One column of a template: its header, what it means and how it is held."""

    column: Column
    header: str
    description: str
    what_to_enter: str
    required: bool
    #: why a column that is not required in every row is still needed (a cost, its frequency)
    needed_note: str
    number_format: str
    allowed: str  # allowed values / window, in words
    #: the numbers (from 1) of the schema's identifier combinations this column is part of, when
    #: the combinations ask for more than the required columns (identified_by: GS01)
    combinations: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return self.column.name


def _role_description(schema: Schema, column: Column) -> str:
    for role, spec in schema.identity.items():
        names = spec if isinstance(spec, list) else [spec]
        if column.name in names:
            if role == "address":
                return "A line of the person's address."
            return _IDENTITY_ROLES.get(role, "")
    for role, spec in (schema.service_use or {}).items():
        if isinstance(spec, dict):
            names = [spec.get("column")] + list(spec.get("latest_of") or []) + list(spec.get("earliest_of") or [])
            if column.name in names:
                return _SERVICE_ROLES.get(role, "")
    if schema.extract_date_column == column.name:
        return "The date the data was extracted (the snapshot date)."
    return ""


def describe(schema: Schema, column: Column) -> str:
    """What the column means: its own description, else what its part in the schema says,
    else its type's; a sentence, ending with a full stop."""
    text = column.description.strip() or _role_description(schema, column) or WHAT_TO_ENTER[column.type]
    return text if text.endswith((".", "!", "?", ")")) else text + "."


def _date_text(d) -> str:
    return f"{d:%d/%m/%Y}"


def allowed_values(schema: Schema, column: Column, frequencies: dict[str, Frequency], limits: DateLimits,
                   default_frequency: str | None) -> str:
    """The values the loader accepts in the column, in words."""
    if column.type == "frequency":
        blank = f" Blank means {default_frequency}." if default_frequency else ""
        return "One of: " + "; ".join(frequencies) + "." + blank
    if column.type == "date":
        if column.name == schema.identity.get("dob"):
            return (f"Not in the future and at most {limits.max_age_years} years before the extract date "
                    "(01/01/1900 means not known).")
        return (f"From {_date_text(limits.earliest)} to {limits.max_years_after_extract} years after "
                "the extract date.")
    if column.type == "money":
        return "0 or more (a credit may be entered as a negative amount: Excel asks you to confirm)."
    if column.type == "integer":
        return "0 or more."
    return ""


def frequency_default(column: Column, file_type: FileType) -> str | None:
    """What a blank frequency cell means: the column's default, else the file type's."""
    return column.default or file_type.frequency


#: How a field of an identifier combination is named beside its header (NHS and NI numbers
#: count only when valid: costcalc.ingest.identifiers).
_VALID_NOTE = {"nhs_number": " (valid)", "ni_number": " (valid)"}


def identifier_combinations(schema: Schema) -> list[tuple[str, ...]]:
    """The schema's ``identified_by`` combinations as column names, when they say more than the
    required columns do (some field of one is not mandatory: GS01); else none (GS00's default
    combination is its mandatory columns, marked Required already)."""
    mandatory = {c.name for c in schema.columns if c.mandatory}
    combos = [tuple(schema.identity.get(f) for f in combo) for combo in schema.identified_by]
    if not combos or all(set(c) <= mandatory for c in combos):
        return []
    return combos


def combinations_text(schema: Schema, headers: dict[str, str], numbered: bool = False) -> str:
    """The combinations in words: ``Surname and Date of Birth; or NHS Number (valid); or ...``
    (``numbered``: each preceded by its number, as the column table refers to it)."""
    fields = {schema.identity.get(f): f for combo in schema.identified_by for f in combo}
    parts = []
    for n, combo in enumerate(identifier_combinations(schema), start=1):
        text = " and ".join(headers[c] + _VALID_NOTE.get(fields[c], "") for c in combo)
        parts.append(f"({n}) {text}" if numbered else text)
    return "; or ".join(parts)


def identify_hint(schema: Schema, headers: dict[str, str]) -> str:
    """The one-line hint on an identifying column (its comment and its input message)."""
    return f"Identifies the person: each row needs {combinations_text(schema, headers)}."


def guides(schema: Schema, file_type: FileType, frequencies: dict[str, Frequency],
           limits: DateLimits) -> list[ColumnGuide]:
    """Every column of the schema, in the schema's order, with its guidance."""
    cost_column = schema.service_use_column.get("unit_cost") if schema.kind == "cost" else None
    freq_column = schema.service_use_column.get("frequency") if schema.kind == "cost" else None
    combos = identifier_combinations(schema)
    out = []
    for c in schema.columns:
        default = frequency_default(c, file_type) if c.type == "frequency" else None
        note = ""
        if c.name == cost_column:
            note = "a file whose costs are blank in every row is refused."
        elif c.name == freq_column and not default:
            note = "a cost without a frequency rejects its row."
        out.append(ColumnGuide(
            column=c, header=c.display, description=describe(schema, c), what_to_enter=WHAT_TO_ENTER[c.type],
            required=c.mandatory, needed_note=note,
            number_format=NUMBER_FORMATS.get(c.type, TEXT_FORMAT),
            allowed=allowed_values(schema, c, frequencies, limits, default),
            combinations=tuple(n for n, combo in enumerate(combos, start=1) if c.name in combo)))
    return out


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def date_bounds(schema: Schema, column: Column, limits: DateLimits) -> tuple[str, str]:
    """The (formula1, formula2) of a date column's validation. Relative to TODAY(), so a
    template kept for years stays right; the loader checks again against the extract date."""
    today = "TODAY()"
    if column.name == schema.identity.get("dob"):
        return (f"DATE(YEAR({today})-{limits.max_age_years},MONTH({today}),DAY({today}))", today)
    e = limits.earliest
    return (f"DATE({e.year},{e.month},{e.day})",
            f"DATE(YEAR({today})+{limits.max_years_after_extract},MONTH({today}),DAY({today}))")


def validation(schema: Schema, guide: ColumnGuide, limits: DateLimits, list_range: str,
               hint: str = "") -> DataValidation | None:
    """The data validation of a column (None for free text). ``list_range`` is where the
    frequency names are (a hidden sheet: an inline list is limited to 255 characters and
    cannot hold a name with a comma). ``hint``: the identifier combinations (an identifying
    column): shown first in the input message, and on a free-text column an input message
    alone (any value allowed: whether a row identifies the person depends on other cells,
    which Excel cannot check while the row is typed in)."""
    c = guide.column
    title = _cut(guide.header, TITLE_MAX)
    if hint and c.type not in ("frequency", "date", "money", "integer"):
        dv = DataValidation(allow_blank=True, showErrorMessage=False, showInputMessage=True)
        dv.promptTitle = title
        dv.prompt = _cut(" ".join(x for x in (hint, guide.what_to_enter, guide.allowed) if x), PROMPT_MAX)
        return dv
    if c.type == "frequency":
        dv = DataValidation(type="list", formula1=list_range, allow_blank=True, errorStyle="warning",
                            showDropDown=False)
        error = ("Not one of the listed frequencies. The loader also accepts the other spellings on the "
                 "Instructions sheet; anything else rejects the row.")
    elif c.type == "date":
        lo, hi = date_bounds(schema, c, limits)
        dv = DataValidation(type="date", operator="between", formula1=lo, formula2=hi, allow_blank=True,
                            errorStyle="stop")
        error = "Enter a date (dd/mm/yyyy) within the window on the Instructions sheet."
    elif c.type == "money":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            errorStyle="warning")
        error = "Costs are 0 or more. A negative amount is loaded as a credit: choose Yes only if it is one."
    elif c.type == "integer":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            errorStyle="stop")
        error = "Enter a whole number, 0 or more."
    else:
        return None
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorTitle = title
    dv.error = _cut(error, ERROR_MAX)
    dv.promptTitle = title
    dv.prompt = _cut(" ".join(x for x in (hint, guide.what_to_enter, guide.allowed) if x), PROMPT_MAX)
    return dv
