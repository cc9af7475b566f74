"""Enough to identify a person: a schema's ``identified_by`` combinations, checked row by row.

A schema declares which combinations of identity fields identify a person
(``schemas/*.yaml`` ``identified_by``, read by :mod:`costcalc.schemas`), for
example ``[[surname, dob], [nhs_number], [ni_number, surname]]``. A row is
accepted when every field of at least one combination is filled in; an NHS or NI
number counts only when record matching can use it as evidence: the rule of
``macros/matching/match_valid_nhs.sql`` and ``match_valid_ni.sql``, restated here
in :func:`matching_nhs` and :func:`matching_ni` (``tests/test_identifier_validity.py``
runs both on the same values, on DuckDB and PostgreSQL, and requires the same
answer), and not a listed placeholder (``seeds/match_placeholders.csv``). A
placeholder surname, date of birth or postcode counts as filled in, as it does
for a mandatory column (docs/loading.md, "Placeholders"). docs/loading.md,
"Enough to identify a person", says why.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from costcalc.placeholders import is_placeholder
from costcalc.schemas import Schema

#: The ten NHS numbers of one digit repeated: they pass the modulus-11 check but are never issued.
_ONE_DIGIT = frozenset(str(d) * 10 for d in range(10))
_NHS_RE = re.compile(r"[0-9]{10}")
#: match_valid_ni: HMRC's letter rules, six digits, an optional suffix A-D.
_NI_RE = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?")
_NI_NEVER = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

#: The identity fields checked for validity, not only presence.
NUMBERS = ("nhs_number", "ni_number")


def matching_nhs(value: str | None) -> str | None:
    """The NHS number as matching uses it (``match_valid_nhs``), else None: ten digits,
    not one digit ten times, modulus-11 check digit right."""
    if value is None or not _NHS_RE.fullmatch(value) or value in _ONE_DIGIT:
        return None
    total = sum(int(d) * (10 - i) for i, d in enumerate(value[:9]))
    return value if (11 - total % 11) % 11 == int(value[9]) else None


def matching_ni(value: str | None) -> str | None:
    """The NI number's eight identifying characters as matching uses them
    (``match_valid_ni`` of the upper-cased value), else None."""
    if value is None:
        return None
    v = value.upper()
    if not _NI_RE.fullmatch(v) or v[:2] in _NI_NEVER or v[2:8] == "000000":
        return None
    return v[:8]


_VALID = {"nhs_number": matching_nhs, "ni_number": matching_ni}


def usable_number(field: str, value: str | None) -> bool:
    """Whether an NHS or NI number (as the loader stores it) is evidence matching can use."""
    return value is not None and _VALID[field](value) is not None and not is_placeholder(field, value)


def _number_mask(field: str, values: pa.Array) -> pa.Array:
    """True where an NHS or NI number column holds a number matching can use (each
    distinct value is checked once)."""
    distinct = [v for v in pc.unique(values).to_pylist() if v is not None]
    good = [v for v in distinct if usable_number(field, v)]
    if not good:
        return pa.repeat(False, len(values))
    return pc.fill_null(pc.is_in(values, value_set=pa.array(good, pa.string())), False)


def field_masks(schema: Schema, columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
    """For each field of the schema's combinations, where a row has it (numbers: usable)."""
    out = {}
    for combo in schema.identified_by:
        for field in combo:
            if field in out:
                continue
            values = columns[schema.identity[field]]
            out[field] = _number_mask(field, values) if field in NUMBERS else pc.is_valid(values)
    return out


def identified(schema: Schema, columns: dict[str, pa.Array], n: int) -> tuple[pa.Array, dict[str, pa.Array]]:
    """(rows with at least one complete combination, the field masks)."""
    masks = field_masks(schema, columns)
    if not schema.identified_by:
        return pa.repeat(True, n), masks
    ok = None
    for combo in schema.identified_by:
        have = masks[combo[0]]
        for field in combo[1:]:
            have = pc.and_(have, masks[field])
        ok = have if ok is None else pc.or_(ok, have)
    return ok, masks


def closest_gap(schema: Schema, masks: dict[str, pa.Array], columns: dict[str, pa.Array], i: int) -> str:
    """The field to name for row ``i``, which has no complete combination: the first one
    it lacks in the combination it comes closest to (fewest fields lacking, then most
    fields given, then one holding a number that cannot be used, then the first declared)."""
    def rank(combo):
        gaps = [f for f in combo if not masks[f][i].as_py()]
        filled = any(columns[schema.identity[f]][i].is_valid for f in gaps)
        return (len(gaps), -(len(combo) - len(gaps)), not filled), gaps

    return min((rank(c) for c in schema.identified_by), key=lambda r: r[0])[1][0]


def missing_from_header(schema: Schema, found: set[str]) -> list[str]:
    """The columns a file's header lacks to make any combination possible (those of the
    closest combination), or [] when one is possible."""
    gaps = [[schema.identity[f] for f in combo if schema.identity[f] not in found]
            for combo in schema.identified_by]
    if not gaps or any(not g for g in gaps):
        return []
    return min(zip(gaps, schema.identified_by), key=lambda g: (len(g[0]), len(g[0]) - len(g[1])))[0]
