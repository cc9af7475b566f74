"""A file's header row reviewed against its schema: the headers it does not know
(and the column each probably means), and headers used twice.

A header that is neither a column's name nor one of its aliases is
*unrecognised*: its values go to ``_extra`` and the provider is told. It is a
*probable rename* of a column the file lacks when it is listed in that
column's ``looks_like`` (schemas/*.yaml) or is spelled closely like one of the
column's accepted headers (difflib ratio at least :data:`CLOSE_SPELLING`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from costcalc.schemas import Column, Schema, header_key

#: How alike (difflib's ratio of the normalised texts) a header must be to a
#: column's accepted header to be called a probable rename.
CLOSE_SPELLING = 0.8


def column_letter(pos: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 -> A, 26 -> AA."""
    out, n = "", pos + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass(frozen=True)
class UnknownHeader:
    position: int
    text: str
    probably: tuple[Column, ...] = ()  # columns the file lacks that it probably means


@dataclass(frozen=True)
class Duplicate:
    """Two header cells for one column: ``column`` is None when both are the same text."""
    first: int
    second: int
    first_text: str
    second_text: str
    column: Column | None


@dataclass
class HeaderReview:
    unknown: list[UnknownHeader] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)

    def renames_of(self, column: Column) -> list[UnknownHeader]:
        """Unrecognised headers that probably mean ``column``."""
        return [u for u in self.unknown if column in u.probably]


def probable_columns(text: str, candidates) -> tuple[Column, ...]:
    """The columns among ``candidates`` that header ``text`` probably means."""
    key = header_key(text)
    out = []
    for c in candidates:
        if key in {header_key(x) for x in c.looks_like}:
            out.append(c)
        elif any(difflib.SequenceMatcher(None, key, k).ratio() >= CLOSE_SPELLING for k in c.header_keys):
            out.append(c)
    return tuple(out)


def review_headers(schema: Schema, headers: list[str], mapping: dict[int, Column]) -> HeaderReview:
    """What is wrong or unknown in ``headers`` (``mapping``: position -> column found)."""
    review = HeaderReview()
    found = {c.name: pos for pos, c in mapping.items()}
    lacking = [c for c in schema.columns if c.name not in found]
    first_of_key: dict[str, int] = {}
    for pos, text in enumerate(headers):
        key = header_key(text) if text else ""
        if not key:
            continue
        if key in first_of_key:
            first = first_of_key[key]
            review.duplicates.append(Duplicate(first, pos, headers[first], text, None))
            continue
        first_of_key[key] = pos
        if pos in mapping:
            continue
        same = next((c for c in schema.columns if c.name in found and key in c.header_keys), None)
        if same is not None:  # another accepted header of a column already found
            first = found[same.name]
            review.duplicates.append(Duplicate(first, pos, headers[first], text, same))
            continue
        review.unknown.append(UnknownHeader(pos, text.strip(), probable_columns(text, lacking)))
    return review
