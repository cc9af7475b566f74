"""Vectorised fast paths: the strict, common forms of each column type, parsed in Arrow.

The Python parsers in :mod:`costcalc.ingest.values` are the definition of every column
type. Parsing a million cells one by one in Python is what made loads slow, so
the forms that make up nearly every real file (``dd/mm/yyyy`` and ``yyyy-mm-dd``
dates, plain and ``£1,234.56`` amounts, postcodes, NHS and NI numbers, whole
numbers, real date and number cells of an .xlsx) are parsed here a whole column
at a time, in Arrow's C++ kernels, which also release the GIL.

:func:`fast_parse` returns ``(values, handled)``: the values typed as
``raw.<code>`` stores them, and a mask of the cells the fast path is sure of (a
blank cell, or one of its strict forms). Everything else, including every cell
that would be rejected, goes to the Python parser, which gives the value or the
reason. A fast path only ever narrows: each one checks its own result (a date is
written back and compared, an amount turned back into the float it came from),
and ``tests/test_loader_fastpaths.py`` checks on generated and hand-picked
values that every handled cell gets exactly what the Python parser gives.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.compute as pc

from costcalc.ingest.values import (MAX_YEAR, MIN_YEAR, NI_NEVER_PREFIXES, NI_PATTERN, POSTCODE_INWARD,
                     POSTCODE_OUTWARD, POSTCODE_PATTERN)

#: COSTCALC_FAST_PATHS=0 turns the fast paths off (every cell then goes to the Python
#: parsers): for diagnosis, and for the tests that compare the two.
ENABLED = os.environ.get("COSTCALC_FAST_PATHS", "1") != "0"

#: The characters str.strip() strips (str.isspace()), for Arrow's utf8_trim.
#: (tests/test_loader_arrow.py checks it against every code point.)
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
                 "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")

#: Amounts with at most 14 whole digits (DECIMAL(18,4) holds them) and at most 4
#: decimals (no rounding needed): '1234.5', '£1,234.56', '-£12.50', '-3'.
_MONEY = r"^-?£?(?:\d{1,3}(?:,\d{3}){1,3}|\d{1,14})(?:\.\d{1,4})?$"
_DMY = r"^\d\d/\d\d/\d{4}$"
_ISO = r"^\d{4}-\d\d-\d\d$"
_INTEGER = r"^-?\d{1,18}$"  # fits BIGINT
#: Floats whose 4-decimal value is exact and unique: below this, doubles are spaced
#: more finely than 0.0001, so one 4-decimal amount maps to one double and back.
_FLOAT_MONEY_LIMIT = 1e11
_FLOAT_INT_LIMIT = 2.0**53

_DECIMAL = pa.decimal128(18, 4)
_TYPES = {"money": _DECIMAL, "date": pa.date32(), "integer": pa.int64()}  # else text


def trim(arr: pa.Array) -> pa.Array:
    """Text cells stripped as str.strip() strips them."""
    return pc.utf8_trim(arr, characters=PY_WHITESPACE)


def _match(arr: pa.Array, pattern: str) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False)


def _blank(trimmed: pa.Array) -> pa.Array:
    """True where a (trimmed) text cell is empty or null."""
    return pc.fill_null(pc.equal(trimmed, ""), True)


def _keep(ok: pa.Array, values: pa.Array) -> pa.Array:
    return pc.if_else(ok, values, pa.scalar(None, values.type))


def _only(ok: pa.Array, text: pa.Array, fill: str) -> pa.Array:
    """``text`` where ``ok``, else ``fill`` (a value every kernel after it accepts)."""
    return pc.if_else(ok, text, pa.scalar(fill, pa.string()))


# ------------------------------------------------------------------------ text

def _money_text(t):
    ok = _match(t, _MONEY)
    digits = pc.replace_substring(pc.replace_substring(_only(ok, t, "0"), "£", ""), ",", "")
    return _keep(ok, digits.cast(_DECIMAL)), ok


def _date_text(t):
    ts = ok = None
    for pattern, fmt, day_at, fill in ((_DMY, "%d/%m/%Y", 0, "01/01/2000"), (_ISO, "%Y-%m-%d", 8, "2000-01-01")):
        form = _match(t, pattern)
        if not form.true_count:
            continue
        text = _only(form, t, fill)
        parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        # strptime rolls 31/04 over into May: a date is only taken when its day is the one written.
        day = pc.utf8_slice_codeunits(text, day_at, day_at + 2).cast(pa.int64())
        year = pc.year(parsed)
        good = pc.and_(pc.and_(form, pc.equal(pc.day(parsed), day)),
                       pc.and_(pc.greater_equal(year, MIN_YEAR), pc.less_equal(year, MAX_YEAR)))
        good = pc.fill_null(good, False)
        ts = parsed if ts is None else pc.if_else(good, parsed, ts)
        ok = good if ok is None else pc.or_(ok, good)
    if ts is None:
        return pa.nulls(len(t), pa.date32()), pa.repeat(False, len(t))
    return _keep(ok, ts.cast(pa.date32())), ok


def _integer_text(t):
    ok = _match(t, _INTEGER)
    return _keep(ok, _only(ok, t, "0").cast(pa.int64())), ok


#: A postcode already written as it is stored: upper case, one space.
_POSTCODE_STORED = f"^(?:GIR 0AA|{POSTCODE_OUTWARD} {POSTCODE_INWARD})$"


def _postcode_text(t):
    stored = _match(t, _POSTCODE_STORED)
    if stored.true_count + pc.sum(pc.equal(t, "")).as_py() == len(t):  # the usual file: no other forms
        return _keep(stored, t), stored
    # ASCII letters, digits and spaces only: Arrow's upper-casing and Python's then agree.
    compact = pc.utf8_upper(pc.replace_substring(t, " ", ""))
    ok = pc.and_(_match(t, r"^[A-Za-z0-9 ]+$"), _match(compact, POSTCODE_PATTERN))
    return _keep(ok, pc.replace_substring_regex(compact, r"^(.+)(...)$", r"\1 \2")), ok


def _nhs_text(t):
    compact = pc.replace_substring_regex(t, r"[ \-]", "")
    ok = pc.and_(_match(t, r"^[0-9 \-]+$"), _match(compact, r"^\d{10}$"))
    digits = _only(ok, compact, "0000000000")
    d = [pc.utf8_slice_codeunits(digits, i, i + 1).cast(pa.int64()) for i in range(10)]
    total = pc.multiply(d[0], 10)
    for i in range(1, 9):
        total = pc.add(total, pc.multiply(d[i], 10 - i))
    check = pc.subtract(11, pc.subtract(total, pc.multiply(pc.divide(total, 11), 11)))
    check = pc.if_else(pc.equal(check, 11), 0, check)
    same = pc.is_in(digits, value_set=pa.array([str(k) * 10 for k in range(10)]))
    ok = pc.and_(ok, pc.and_(pc.equal(check, d[9]), pc.invert(same)))
    return _keep(ok, compact), ok


def _ni_text(t):
    compact = pc.utf8_upper(pc.replace_substring_regex(t, r"[ \-]", ""))
    never = "^(?:" + "|".join(NI_NEVER_PREFIXES) + ")"
    ok = pc.and_(_match(t, r"^[A-Za-z0-9 \-]+$"),
                 pc.and_(_match(compact, NI_PATTERN), pc.invert(_match(compact, never))))
    return _keep(ok, compact), ok


_TEXT_PATHS = {
    "money": _money_text,
    "date": _date_text,
    "integer": _integer_text,
    "postcode": _postcode_text,
    "nhs_number": _nhs_text,
    "ni_number": _ni_text,
}


# ------------------------------------------------------------- typed .xlsx cells

def _money_float(x):
    finite = pc.and_(pc.is_finite(x), pc.less(pc.abs(x), _FLOAT_MONEY_LIMIT))
    safe = pc.if_else(finite, x, 0.0)
    ok = pc.and_(finite, pc.equal(pc.round(safe, 4), safe))
    dec = pc.if_else(ok, safe, 0.0).cast(_DECIMAL, safe=False)
    # The amount must turn back into the very float it came from.
    ok = pc.and_(ok, pc.equal(dec.cast(pa.float64()), safe))
    return _keep(ok, dec), ok


def _integer_float(x):
    ok = pc.and_(pc.is_finite(x), pc.less(pc.abs(x), _FLOAT_INT_LIMIT))
    safe = pc.if_else(ok, x, 0.0)
    ok = pc.and_(ok, pc.equal(pc.floor(safe), safe))
    return _keep(ok, pc.if_else(ok, safe, 0.0).cast(pa.int64())), ok


def _date_temporal(x):
    year = pc.year(x)
    ok = pc.and_(pc.greater_equal(year, MIN_YEAR), pc.less_equal(year, MAX_YEAR))
    days = x if pa.types.is_date32(x.type) else x.cast(pa.date32(), safe=False)
    return _keep(ok, days), ok


def fast_parse(column_type: str, cells: pa.Array) -> tuple[pa.Array, pa.Array] | None:
    """``(values, handled)`` for a column of cells, or None when no fast path fits
    the column's type and the cells' Arrow type. Null cells are blank (handled,
    value null); ``handled`` has no nulls."""
    t = cells.type
    if not ENABLED:
        return None
    if pa.types.is_null(t):  # an .xlsx column with nothing in it
        if column_type not in _TEXT_PATHS:
            return None
        return pa.nulls(len(cells), _TYPES.get(column_type, pa.string())), pa.repeat(True, len(cells))
    blank = pc.is_null(cells)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        path = _TEXT_PATHS.get(column_type)
        if path is None:
            return None
        trimmed = trim(cells)
        blank = _blank(trimmed)
        if blank.true_count == len(cells):  # an empty column
            return pa.nulls(len(cells), _TYPES.get(column_type, pa.string())), blank
        values, ok = path(trimmed)
    elif pa.types.is_floating(t) and column_type in ("money", "integer"):
        values, ok = (_money_float if column_type == "money" else _integer_float)(cells.cast(pa.float64()))
    elif (pa.types.is_timestamp(t) or pa.types.is_date32(t)) and column_type == "date":
        values, ok = _date_temporal(cells)
    else:
        return None
    # Every path gives null for a blank cell (no form matches it).
    return values, pc.or_(pc.fill_null(ok, False), blank)
