"""Placeholder values: what providers' systems write where a detail is not known.

One list, ``seeds/match_placeholders.csv`` (also a dbt seed, read by the
matching models through ``macros/matching/match_placeholder_rows.sql``), two
readers: this module (the loader accepts and counts such values) and dbt
(matching treats them as missing). Columns:

- ``identifier``: the identity field (``schemas/*.yaml`` ``identity:`` keys):
  surname, firstname, dob, postcode, nhs_number, ni_number, reference (a
  service reference: matching compares it within one file type);
- ``kind``: ``value`` (the whole normalised value) or ``prefix`` (it starts so);
- ``value``: as a person would write it (``Not Known``, ``ZZ99 3VZ``, ``1900-01-01``);
- ``flag``: a fact the value still says about the person (``no_fixed_abode``), or blank;
- ``meaning``: why it is listed.

Values are compared normalised, the same way on both sides: names letters only,
upper case (``Not Known`` -> ``NOTKNOWN``, ``Baby of Smith`` -> ``BABYOFSMITH``);
postcodes, NHS and NI numbers and references upper case without spaces or hyphens; dates of
birth as ISO dates. See docs/matching.md ("Placeholders").
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from costcalc.paths import seed_file

SEED_FILE = "match_placeholders.csv"
#: The identity fields a placeholder can stand in, with the words the load summary uses.
IDENTIFIERS = {
    "surname": "surname", "firstname": "first name", "dob": "date of birth",
    "postcode": "postcode", "nhs_number": "NHS number", "ni_number": "NI number",
    "reference": "service reference",
}
_NAMES = ("surname", "firstname")


@dataclass(frozen=True)
class Placeholder:
    identifier: str
    match: str  # 'value' | 'prefix'
    value: str  # normalised
    flag: str | None
    meaning: str


def normalise(identifier: str, value) -> str | None:
    """A value as placeholders are compared (see the module docstring)."""
    if value is None:
        return None
    if identifier == "dob":
        return value.isoformat() if isinstance(value, (_dt.date, _dt.datetime)) else str(value).strip()[:10]
    s = str(value)
    if identifier in _NAMES:
        return re.sub(r"[^A-Za-z]", "", s).upper() or None
    return re.sub(r"[\s\-]", "", s).upper() or None


def load_placeholders(seeds_dir: Path | None = None) -> tuple[Placeholder, ...]:
    """The seed's rows: the project's copy where it has one (docs/project.md), else the
    shipped list; a row naming an unknown identifier or match kind is an error."""
    return _read_placeholders(Path(seeds_dir) / SEED_FILE if seeds_dir is not None else seed_file(SEED_FILE))


@lru_cache(maxsize=4)
def _read_placeholders(path: Path) -> tuple[Placeholder, ...]:
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            ident, match = (row.get("identifier") or "").strip(), (row.get("kind") or "").strip()
            if ident not in IDENTIFIERS or match not in ("value", "prefix"):
                raise ValueError(f"{SEED_FILE} line {line}: identifier must be one of "
                                 f"{', '.join(IDENTIFIERS)} and kind 'value' or 'prefix'")
            value = normalise(ident, row.get("value"))
            if not value:
                raise ValueError(f"{SEED_FILE} line {line}: value is empty")
            out.append(Placeholder(ident, match, value, (row.get("flag") or "").strip() or None,
                                   (row.get("meaning") or "").strip()))
    return tuple(out)


def is_placeholder(identifier: str, value) -> bool:
    """Whether ``value`` of identity field ``identifier`` is a listed placeholder."""
    v = normalise(identifier, value)
    if not v:
        return False
    return any(p.identifier == identifier and (v == p.value if p.match == "value" else v.startswith(p.value))
               for p in load_placeholders())


def _normalised_array(identifier: str, arr: pa.Array) -> pa.Array:
    if identifier == "dob":
        return arr.cast(pa.string())  # date32 -> 'YYYY-MM-DD'
    arr = arr.cast(pa.string())
    if identifier in _NAMES:
        return pc.utf8_upper(pc.replace_substring_regex(arr, r"[^A-Za-z]", ""))
    return pc.utf8_upper(pc.replace_substring_regex(arr, r"[\s\-]", ""))


def placeholder_mask(identifier: str, arr: pa.Array) -> pa.Array:
    """True where a column of ``identifier`` values holds a placeholder (null: False)."""
    rows = [p for p in load_placeholders() if p.identifier == identifier]
    if not rows or len(arr) == 0:
        return pa.repeat(False, len(arr))
    norm = _normalised_array(identifier, arr)
    hit = pc.is_in(norm, value_set=pa.array([p.value for p in rows if p.match == "value"] or [""]))
    for p in rows:
        if p.match == "prefix":
            hit = pc.or_(hit, pc.starts_with(norm, p.value))
    return pc.fill_null(hit, False)


def count_placeholders(identity: dict, columns: dict[str, pa.Array]) -> dict[str, int]:
    """Rows holding a placeholder, per identity field, in a batch of typed columns
    (``identity``: a schema's identity mapping, field -> column)."""
    counts = {}
    for ident in IDENTIFIERS:
        col = identity.get(ident)
        if isinstance(col, str) and col in columns:
            n = pc.sum(placeholder_mask(ident, columns[col])).as_py() or 0
            if n:
                counts[ident] = n
    return counts


def summary(counts: dict[str, int]) -> str:
    """'; 143 rows with a placeholder date of birth, 2 with a placeholder surname' (or '')."""
    parts = [(n, IDENTIFIERS[i]) for i, n in counts.items() if n]
    if not parts:
        return ""
    first = f"{parts[0][0]} row{'s' if parts[0][0] != 1 else ''} with a placeholder {parts[0][1]}"
    rest = [f"{n} with a placeholder {label}" for n, label in parts[1:]]
    return "; " + ", ".join([first, *rest])
