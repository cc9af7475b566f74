"""Value parsers: one small pure function per column type.

Each parser takes one cell as the reader produced it (``str`` from a CSV;
``str``, ``int``, ``float``, ``bool``, ``datetime`` or ``date`` from an .xlsx)
and returns the normalised value, ``None`` for a blank cell, or raises
:class:`InvalidValue` with a reason a provider can act on. Decisions where the
contract is silent are written down in docs/loading.md.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from costcalc.schemas import header_key, load_frequencies, on_clear_caches
from costcalc.placeholders import is_placeholder


class InvalidValue(ValueError):
    """A cell that cannot be read as its column's type; ``str(exc)`` is the reason."""


#: Tokens that mean "no value" in a typed (non-text) column. Compared after
#: stripping and lower-casing. Text columns keep them as written (a surname
#: may really be "Null"), see docs/loading.md.
NULL_TOKENS = frozenset({
    "", "n/a", "na", "n.a.", "null", "none", "nil", "-", "--", "---", "unknown",
    "not known", "not applicable", "?",
})

#: Dates outside these years are rejected as out of range (typos such as 0202).
MIN_YEAR = 1850
MAX_YEAR = 2199

#: raw.* stores money as DECIMAL(MONEY_PRECISION, MONEY_SCALE): amounts are rounded to
#: MONEY_SCALE decimals, and an amount of MONEY_PRECISION - MONEY_SCALE whole digits or
#: more is rejected as too large (never an error from the decimal module).
MONEY_PRECISION, MONEY_SCALE = 18, 4
_Q4 = Decimal(1).scaleb(-MONEY_SCALE)
#: Largest absolute money value that fits DECIMAL(18,4): 99999999999999.9999.
_MONEY_LIMIT = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE) - _Q4
#: raw.* stores whole numbers as BIGINT.
INT_MIN, INT_MAX = -2**63, 2**63 - 1

#: The error values Excel shows in a cell whose formula failed. In a typed or mandatory
#: column such a cell is rejected as what it is (never read as blank or as text).
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})

#: Invisible format characters (zero-width spaces and joiners, direction marks, the
#: byte-order mark, soft hyphen, word joiner): a cell of only these (and whitespace,
#: which includes the no-break space) is blank.
INVISIBLE = ("\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
             "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")


def excel_error(s: str) -> str | None:
    """The Excel error value ``s`` is ('#REF!', ...), or None."""
    t = s.strip()
    if t.startswith("#"):
        t = t.upper()
        if t in EXCEL_ERRORS:
            return t
    return None


def check_excel_error(s: str) -> None:
    """Raises InvalidValue for an Excel error value."""
    err = excel_error(s)
    if err is not None:
        raise InvalidValue(f"Excel error {err} in cell")


def is_invisible(s: str) -> bool:
    """True for text of only whitespace and invisible format characters (blank)."""
    return not s.strip().strip(INVISIBLE).strip()


def _is_blank_token(s: str) -> bool:
    """True for a cell that means "no value" in a typed column; raises InvalidValue for
    an Excel error value (#REF!, #N/A, ...)."""
    t = s.strip().lower()
    if t.startswith("#"):
        check_excel_error(t)
    return t in NULL_TOKENS or is_invisible(t)


def _number_text(v: float | int) -> str:
    """A numeric cell as a person would read it: 12.0 -> '12', 1.5 -> '1.5'."""
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        return repr(v)
    return str(v)


# --------------------------------------------------------------------------- text

def parse_text(v) -> str | None:
    """Text: stripped; empty -> None. Numbers read as text lose a trailing '.0';
    dates read as text become ISO ``yyyy-mm-dd``."""
    if v is None:
        return None
    if isinstance(v, str):
        s = v.strip()
        if s and not s.strip(INVISIBLE).strip():  # only zero-width or format characters
            return None
        return s or None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return _number_text(v)
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, _dt.date):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def parse_text_checked(v) -> str | None:
    """Text for a mandatory column: as :func:`parse_text`, but an Excel error value
    (#REF!, #N/A, ...) is rejected rather than taken as the text."""
    if isinstance(v, str):
        check_excel_error(v)
    return parse_text(v)


# ------------------------------------------------------------------------ integer

_INT_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$|^[+-]?\d+$")


def parse_integer(v) -> int | None:
    """Whole numbers: '12', '1,200', 12.0. Not '1.5', not 'twelve'."""
    if v is None:
        return None
    if isinstance(v, bool):
        raise InvalidValue("not a whole number")
    if isinstance(v, int):
        return _integer_range(v)
    if isinstance(v, float):
        if v.is_integer():
            return _integer_range(int(v))
        raise InvalidValue("not a whole number")
    if not isinstance(v, str):
        raise InvalidValue("not a whole number")
    s = v.strip()
    if _is_blank_token(s):
        return None
    if _INT_RE.match(s):
        return _integer_text(s.replace(",", ""))
    m = re.match(r"^([+-]?\d+)\.0*$", s)
    if m:
        return _integer_text(m.group(1))
    raise InvalidValue("not a whole number")


def _integer_text(digits: str) -> int:
    # int() refuses text of more than 4,300 digits (ValueError); BIGINT holds 19 at most.
    if len(digits.lstrip("+-").lstrip("0")) > 19:
        raise InvalidValue("number too large")
    return _integer_range(int(digits))


def _integer_range(n: int) -> int:
    if not INT_MIN <= n <= INT_MAX:
        raise InvalidValue("number too large")
    return n


# -------------------------------------------------------------------------- money

_PLAIN_MONEY = re.compile(r"^-?£?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_SIGN_SPACE = re.compile(r"(?<=[£+\-])\s+|\s+(?=[£\-])")
_MONEY_RE = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


def parse_money(v) -> Decimal | None:
    """Money: '£1,234.56', '-£12.50', '£-12.50', '(12.50)' (negative), 12.5.

    Rounded half-even to 4 decimal places (the raw column is DECIMAL(18,4))."""
    if v is None:
        return None
    if isinstance(v, bool):
        raise InvalidValue("not an amount of money")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            raise InvalidValue("not an amount of money")
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
        return _money_range(d)
    if not isinstance(v, str):
        raise InvalidValue("not an amount of money")
    s = v.strip()
    if _PLAIN_MONEY.match(s):  # fast path: '1234.56', '£1,234.56', '-12'
        return _money_range(Decimal(s.replace("£", "").replace(",", "")))
    if _is_blank_token(s):
        return None
    neg = False
    if s.startswith("(") and s.endswith(")"):
        neg, s = True, s[1:-1].strip()
    s = s.replace("\u00a0", " ")
    if s.upper().startswith("GBP"):
        s = s[3:].lstrip()
    s = _SIGN_SPACE.sub("", s)  # '£ 12', '- £12', '12 -'; never spaces between digits
    if s.startswith(("-£", "+£")):
        s = s[0] + s[2:]
    elif s.startswith("£"):
        s = s[1:]
    if s.endswith("-") and not neg:  # accounting style '12.50-'
        neg, s = True, s[:-1]
    if not s or not _MONEY_RE.match(s) or s in ("+", "-", "."):
        raise InvalidValue("not an amount of money (expected e.g. 1234.56 or £1,234.56)")
    if neg and s.startswith(("-", "+")):
        raise InvalidValue("not an amount of money (two signs)")
    try:
        d = Decimal(s.replace(",", ""))
    except InvalidOperation:
        raise InvalidValue("not an amount of money (expected e.g. 1234.56 or £1,234.56)") from None
    return _money_range(-d if neg else d)


def _money_range(d: Decimal) -> Decimal:
    if not d.is_finite():
        raise InvalidValue("not an amount of money")
    # Checked before rounding: quantize() of a number of more digits than the decimal
    # context's precision (28) raises InvalidOperation.
    if d.adjusted() >= MONEY_PRECISION - MONEY_SCALE:
        raise InvalidValue(_TOO_LARGE)
    d = d.quantize(_Q4, rounding=ROUND_HALF_EVEN)
    if abs(d) > _MONEY_LIMIT:
        raise InvalidValue(_TOO_LARGE)
    return d + Decimal(0)  # turns -0.0000 into 0.0000


_TOO_LARGE = f"amount too large (at most {_MONEY_LIMIT:,} either way)"


# --------------------------------------------------------------------------- date

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_MONTHS.update({"sept": 9, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6,
                "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
                "december": 12})

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME + "$")
_UK_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})" + _TIME + "$")
_UK2_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{2})" + _TIME + "$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NAMED_RE = re.compile(r"^(\d{1,2})[ \-]([A-Za-z]{3,9})\.?[ \-,]+(\d{4})" + _TIME + "$")

#: Excel's day 0 in the 1900 date system (serial 60 is the fictitious 29/02/1900).
_EXCEL_EPOCH = _dt.date(1899, 12, 30)


def _make_date(y: int, m: int, d: int, shape: str) -> _dt.date:
    try:
        out = _dt.date(y, m, d)
    except ValueError:
        raise InvalidValue(f"not a real date (read as {shape})") from None
    return _check_year(out)


def _check_year(d: _dt.date) -> _dt.date:
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise InvalidValue(f"date out of range (years {MIN_YEAR}-{MAX_YEAR})")
    return d


def excel_serial_to_date(n: float) -> _dt.date:
    """An Excel 1900-system serial number (whole days) as a date."""
    if n < 1 or n >= 2958466:
        raise InvalidValue("not a date")
    return _check_year(_EXCEL_EPOCH + _dt.timedelta(days=int(n)))


def parse_date(v) -> _dt.date | None:
    """Dates: real Excel dates; text in UK order ``dd/mm/yyyy`` (also ``d/m/yyyy``,
    ``dd-mm-yyyy``, ``dd.mm.yyyy``), ``yyyy-mm-dd``, ``yyyymmdd``, ``31 Jan 2024``.

    Never US order: '12/31/2024' is rejected. Two-digit years are rejected as
    ambiguous. A time of day after the date is ignored. A number in an .xlsx
    cell is read as ``yyyymmdd`` when it has 8 digits, else as an Excel serial."""
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        return _check_year(v.date())
    if isinstance(v, _dt.date):
        return _check_year(v)
    if isinstance(v, bool):
        raise InvalidValue("not a date")
    if isinstance(v, (int, float)):
        if isinstance(v, int) and not -2**53 <= v <= 2**53:  # float() of it could overflow
            raise InvalidValue("not a date")
        if float(v).is_integer() and 19000101 <= v <= 21991231:
            s = str(int(v))
            return _make_date(int(s[:4]), int(s[4:6]), int(s[6:]), "yyyymmdd")
        if float(v).is_integer():
            return excel_serial_to_date(v)
        raise InvalidValue("not a date")
    if not isinstance(v, str):
        raise InvalidValue("not a date")
    s = v.strip()
    if len(s) == 10 and s[2] == "/" and s[5] == "/" and s.isascii():  # fast path: dd/mm/yyyy
        d, m_, y = s[:2], s[3:5], s[6:]
        if d.isdigit() and m_.isdigit() and y.isdigit():
            return _make_date(int(y), int(m_), int(d), "dd/mm/yyyy, UK order")
    if _is_blank_token(s):
        return None
    m = _UK_RE.match(s)
    if m:
        return _make_date(int(m.group(4)), int(m.group(3)), int(m.group(1)), "dd/mm/yyyy, UK order")
    m = _ISO_RE.match(s)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), "yyyy-mm-dd")
    m = _COMPACT_RE.match(s)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), "yyyymmdd")
    m = _NAMED_RE.match(s)
    if m:
        mon = _MONTHS.get(m.group(2).lower())
        if mon is None:
            raise InvalidValue("not a date (unknown month name)")
        return _make_date(int(m.group(3)), mon, int(m.group(1)), "d Mon yyyy")
    if _UK2_RE.match(s):
        raise InvalidValue("two-digit year is ambiguous; use dd/mm/yyyy")
    raise InvalidValue("not a date (expected dd/mm/yyyy, yyyy-mm-dd or yyyymmdd)")


# ----------------------------------------------------------------------- postcode

#: A UK postcode's outward and inward codes, upper case (also used by costcalc.ingest.fastpaths).
POSTCODE_OUTWARD = r"[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
POSTCODE_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
#: A UK postcode without its space.
POSTCODE_PATTERN = f"^(GIR0AA|{POSTCODE_OUTWARD}{POSTCODE_INWARD})$"
_POSTCODE_RE = re.compile(POSTCODE_PATTERN)


def parse_postcode(v) -> str | None:
    """UK postcodes, normalised upper-case with one space: 'sw1a1aa' -> 'SW1A 1AA'."""
    if v is None:
        return None
    if not isinstance(v, str) or isinstance(v, bool):
        raise InvalidValue("not a UK postcode")
    s = v.strip()
    if _is_blank_token(s):
        return None
    compact = re.sub(r"\s+", "", s).upper()
    if not _POSTCODE_RE.match(compact) and not _listed_placeholder("postcode", compact, _PLACEHOLDER_POSTCODE):
        raise InvalidValue("not a UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


# ------------------------------------------------------------------- placeholders

#: The shapes a listed placeholder must still have (seeds/match_placeholders.csv):
#: a pseudo-postcode like ZZ99 3VZ; a temporary reference like TN010180M.
_PLACEHOLDER_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}$")
_PLACEHOLDER_NI = re.compile(r"^[A-Z]{2}[0-9]{6}[A-Z]?$")


def _listed_placeholder(identifier: str, compact: str, shape) -> bool:
    """A placeholder value the council lists is accepted (present, but no evidence
    for matching) even where it breaks the value's own rule: docs/loading.md."""
    return (shape is None or bool(shape.match(compact))) and is_placeholder(identifier, compact)


# --------------------------------------------------------------------- NHS number

def nhs_checksum_ok(digits: str) -> bool:
    """The NHS number modulus-11 check on a 10-digit string."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def parse_nhs_number(v) -> str | None:
    """NHS numbers: 10 digits (spaces and hyphens allowed, e.g. '943 476 5919'),
    modulus-11 check digit valid, not all one digit. Normalised to 10 digits."""
    if v is None:
        return None
    if isinstance(v, bool):
        raise InvalidValue("not an NHS number")
    if isinstance(v, (int, float)):
        if isinstance(v, int) and not 0 <= v < 10**10:
            raise InvalidValue("not an NHS number (must be 10 digits)")
        if not float(v).is_integer() or v < 0:
            raise InvalidValue("not an NHS number (must be 10 digits)")
        s = str(int(v)).zfill(10)  # Excel drops leading zeros from numbers
    elif isinstance(v, str):
        s = v.strip()
        if _is_blank_token(s):
            return None
        s = re.sub(r"[\s\-]", "", s)
    else:
        raise InvalidValue("not an NHS number")
    if not (len(s) == 10 and s.isascii() and s.isdigit()):
        raise InvalidValue("not an NHS number (must be 10 digits)")
    if _listed_placeholder("nhs_number", s, None):
        return s
    if len(set(s)) == 1:
        raise InvalidValue("not an NHS number (all digits the same)")
    if not nhs_checksum_ok(s):
        raise InvalidValue("not an NHS number (check digit wrong)")
    return s


# ---------------------------------------------------------------------- NI number

#: HMRC's letter rules (first letter not D, F, I, Q, U, V; second not D, F, I, O, Q, U, V;
#: prefixes BG, GB, KN, NK, NT, TN, ZZ never issued), plus QQ: the example prefix printed
#: on government forms, widely used in test and training data.
NI_NEVER_PREFIXES = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
NI_PATTERN = r"^(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ)\d{6}[A-D]$"
_NI_RE = re.compile(f"^(?!{'|'.join(NI_NEVER_PREFIXES)})" + NI_PATTERN[1:])


def parse_ni_number(v) -> str | None:
    """National Insurance numbers: two letters, six digits, suffix A-D
    ('QQ 12 34 56 C' -> 'QQ123456C'); HMRC's invalid prefixes rejected."""
    if v is None:
        return None
    if not isinstance(v, str):
        raise InvalidValue("not a National Insurance number")
    s = v.strip()
    if _is_blank_token(s):
        return None
    compact = re.sub(r"[\s\-]", "", s).upper()
    if not _NI_RE.match(compact) and not _listed_placeholder("ni_number", compact, _PLACEHOLDER_NI):
        raise InvalidValue("not a National Insurance number (expected e.g. QQ123456C)")
    return compact


# --------------------------------------------------------------------------- UPRN

#: A UPRN (Unique Property Reference Number, OS AddressBase / the council's LLPG):
#: a whole number of 1 to 12 digits.
UPRN_MAX_DIGITS = 12


def parse_uprn(v) -> str | None:
    """UPRNs: 1 to 12 digits ('100023336956', 100023336956.0 from Excel; spaces
    allowed). Kept as text without leading zeros, so one property has one key."""
    if v is None:
        return None
    if isinstance(v, bool):
        raise InvalidValue("not a UPRN")
    if isinstance(v, float):
        if not v.is_integer():
            raise InvalidValue("not a UPRN (must be a whole number)")
        v = int(v)
    if isinstance(v, int):
        s = str(v)
    elif isinstance(v, str):
        s = v.strip()
        if _is_blank_token(s):
            return None
        s = re.sub(r"\s", "", s)
        s = re.sub(r"\.0+$", "", s)
    else:
        raise InvalidValue("not a UPRN")
    if not (s.isascii() and s.isdigit()):
        raise InvalidValue(f"not a UPRN (must be digits only, at most {UPRN_MAX_DIGITS})")
    s = s.lstrip("0")
    if not s:
        raise InvalidValue("not a UPRN (zero)")
    if len(s) > UPRN_MAX_DIGITS:
        raise InvalidValue(f"not a UPRN (more than {UPRN_MAX_DIGITS} digits)")
    return s


# ---------------------------------------------------------------------- frequency

def frequency_key(text: str) -> str:
    """Frequencies match case-insensitively, ignoring spaces, hyphens and underscores."""
    return header_key(text)


def frequency_lookup() -> dict[str, str]:
    """Every accepted spelling (as :func:`frequency_key`) -> canonical name."""
    out: dict[str, str] = {}
    for name, f in load_frequencies().items():
        for spelling in (name, *f.synonyms):
            out[frequency_key(spelling)] = name
    return out


_FREQ: dict[str, str] | None = None


@on_clear_caches
def _forget_frequencies() -> None:
    """A changed project directory may have its own schemas/frequencies.yaml."""
    global _FREQ
    _FREQ = None


def parse_frequency(v, default: str | None = None) -> str | None:
    """A frequency's canonical name from schemas/frequencies.yaml ('per week' -> 'Weekly');
    blank -> ``default`` (the column's default, canonicalised); unknown -> rejected naming it."""
    global _FREQ
    if _FREQ is None:
        _FREQ = frequency_lookup()
    if v is None or (isinstance(v, str) and _is_blank_token(v)):
        if default is None:
            return None
        return _FREQ[frequency_key(default)]
    text = parse_text(v) or ""
    name = _FREQ.get(frequency_key(text))
    if name is None:
        # The value, quoted, is taken out of the reason where it reaches a terminal
        # (costcalc.ingest.landing.describe_error); the provider's error report keeps it.
        raise InvalidValue(f"unknown frequency {text!r} (known: {', '.join(load_frequencies())})")
    return name


#: Column type -> parser (frequency takes the column default separately).
PARSERS = {
    "text": parse_text,
    "integer": parse_integer,
    "money": parse_money,
    "date": parse_date,
    "postcode": parse_postcode,
    "nhs_number": parse_nhs_number,
    "ni_number": parse_ni_number,
    "frequency": parse_frequency,
    "uprn": parse_uprn,
}
