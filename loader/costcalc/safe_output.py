"""Output that cannot attack whoever opens it: spreadsheet cells and terminal text.

Every CSV or .xlsx costcalc writes (reports, the provider's error report) passes
its text cells through :func:`spreadsheet_cell`; every line printed to a terminal
or a log that may hold text from a file or the warehouse passes through
:func:`terminal_text`. One module, used everywhere, so the rules are the same
in every output (docs/loading.md, docs/reports.md).
"""

from __future__ import annotations

import logging
import re

#: Characters that make a spreadsheet read a cell as a formula (the OWASP CSV
#: injection rule: =, +, -, @, tab and carriage return).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: A plain number, as text ('-12.50', '-£1,234.56', '+3', '-1e-05'): no formula in it.
_NUMBER = re.compile(r"^[-+]?£?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")


def spreadsheet_cell(value):
    """A cell as it may be written to a CSV or .xlsx: text starting with a formula
    character gets a leading apostrophe, so a spreadsheet shows it as text and never
    runs it. Numbers (int, float, Decimal) and plain negative numbers written as text
    ('-12.50', the form reports' CSV writes amounts in) are left alone; None becomes ''."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def spreadsheet_row(values) -> list:
    """:func:`spreadsheet_cell` of every cell of a row."""
    return [spreadsheet_cell(v) for v in values]


# C0 controls except tab and newline, DEL, and the C1 controls (which some
# terminals take as CSI/OSC introducers); the ESC of an ANSI sequence is among them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: What breaks a line: tab, newline, CR, vertical tab, form feed, NEL and the Unicode
#: line and paragraph separators.
_LINE_BREAK = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")


def terminal_text(text, one_line: bool = False) -> str:
    """``text`` with every control character removed (ESC sequences cannot reach the
    terminal, BEL cannot ring). Newlines and tabs stay, unless ``one_line``: then
    they (and CR, and Unicode line separators) become a space, so a value cannot
    start a line of its own in a log."""
    s = "" if text is None else str(text)
    if one_line:
        s = _LINE_BREAK.sub(" ", s)
    return _CONTROL.sub("", s)


class SafeLogFormatter(logging.Formatter):
    """A log formatter whose lines carry no control characters and no line breaks (a
    file name with ESC sequences or a newline cannot forge or hide a log line); a
    traceback, when logged, keeps its own lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return terminal_text(super().formatMessage(record), one_line=True)
