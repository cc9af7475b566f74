"""Row validation against a schema, a batch of rows at a time.

Recognising the header row and the schema (:func:`find_header`), then
turning batches of raw rows into column lists ready for insertion plus the
rejected cells (:class:`BatchValidator`). Work is done column by column with a
per-column cache of parsed values (the same date or postcode is parsed once),
which is what makes a million-row file quick in pure Python.
"""

from __future__ import annotations

import datetime as _dt
import json
import operator
from dataclasses import dataclass, field
from itertools import compress, repeat

from .schemas import Column, Schema, header_key, load_schemas
from .values import (InvalidValue, parse_date, parse_frequency, parse_integer, parse_money,
                     parse_nhs_number, parse_ni_number, parse_postcode, parse_text)

#: How many rows from the top are searched for the header row.
HEADER_SCAN_ROWS = 20
#: Per-column parse caches are dropped when they grow past this (memory stays flat).
CACHE_LIMIT = 200_000


# ----------------------------------------------------------------- header finding

@dataclass
class HeaderMatch:
    schema: Schema
    row_index: int  # index into the scanned rows
    headers: list[str]
    mapping: dict[int, Column]
    missing: list[str]  # mandatory columns not found

    @property
    def fits(self) -> bool:
        return not self.missing

    def score(self) -> tuple:
        n = len(self.mapping)
        return (self.fits, n, n / max(len(self.schema.columns), 1), -len(self.headers))


def header_texts(row) -> list[str]:
    return [parse_text(c) or "" for c in row]


def find_header(rows: list[list], schema: Schema | None = None) -> HeaderMatch | None:
    """The best (row, schema) pair among the first rows: every mandatory column
    present first, then the most columns matched, then the closest fit.
    None when no row matches any column at all."""
    candidates = [schema] if schema is not None else list(load_schemas().values())
    best: HeaderMatch | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = header_texts(row)
        if not any(texts):
            continue
        for s in candidates:
            mapping = s.match_headers(texts)
            if not mapping:
                continue
            found = {c.name for c in mapping.values()}
            missing = [c.name for c in s.mandatory if c.name not in found]
            m = HeaderMatch(s, i, texts, mapping, missing)
            if best is None or m.score() > best.score():
                best = m
    return best


# ----------------------------------------------------------------- column parsing

class _Bad:
    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


_BLANK_LOW = {None: ""}
_BLANK_HIGH = {None: "~"}


def _out_date(v):
    d = parse_date(v)
    return None if d is None else d.isoformat()


def _out_money(v):
    d = parse_money(v)
    return None if d is None else format(d, "f")


def _out_integer(v):
    n = parse_integer(v)
    return None if n is None else str(n)


_OUTPUT_PARSERS = {
    "date": _out_date,
    "money": _out_money,
    "integer": _out_integer,
    "postcode": parse_postcode,
    "nhs_number": parse_nhs_number,
    "ni_number": parse_ni_number,
    "text": parse_text,
}


class ColumnParser:
    """Parses one column's cells into insertion text (``None`` = NULL), with a cache."""

    def __init__(self, column: Column):
        self.column = column
        if column.type == "frequency":
            default = column.default
            self.parse = lambda v: parse_frequency(v, default)
        else:
            self.parse = _OUTPUT_PARSERS[column.type]
        self.cache: dict = {}
        self.bad_keys: set = set()

    def _one(self, v):
        try:
            return self.parse(v)
        except InvalidValue as exc:
            return _Bad(str(exc))

    def run(self, values) -> tuple[list, list[tuple[int, str]]]:
        """(parsed values, [(index, reason), ...]) for one batch of cells.

        Each distinct cell value is parsed once (cached across batches); the
        per-cell work is then C-level set and dict operations."""
        if self.column.type == "text":
            # Blank text stays '' here (falsy, so mandatory checks see it) and becomes
            # NULL at insertion (NULLIF); this keeps the per-cell work in C.
            try:
                out = list(map(str.strip, values))
            except TypeError:  # not all strings (an .xlsx column): the general path
                out = [parse_text(v) or "" for v in values]
            return out, []
        cache = self.cache
        if len(cache) > CACHE_LIMIT:
            cache.clear()
            self.bad_keys.clear()
        try:
            distinct = set(values)
        except TypeError:  # unhashable cells cannot come from our readers; be safe anyway
            return self._uncached(values)
        missing = distinct.difference(cache)
        for v in missing:
            o = self._one(v)
            cache[v] = o
            if type(o) is _Bad:
                self.bad_keys.add(v)
        out = list(map(cache.__getitem__, values))
        errors: list[tuple[int, str]] = []
        if self.bad_keys and not self.bad_keys.isdisjoint(distinct):
            bad_keys = self.bad_keys
            for i, v in enumerate(values):
                if v in bad_keys:
                    errors.append((i, out[i].reason))
                    out[i] = None
        return out, errors

    def _uncached(self, values) -> tuple[list, list[tuple[int, str]]]:
        out, errors = [], []
        for i, v in enumerate(values):
            o = self._one(v)
            if type(o) is _Bad:
                errors.append((i, o.reason))
                o = None
            out.append(o)
        return out, errors


# ----------------------------------------------------------------------- batches

@dataclass
class CellError:
    row: int  # Excel row number
    column: str  # schema column name ('' for a whole-row problem)
    value: str | None  # the cell as text (may be personal data: never log it)
    reason: str
    personal: bool = False


@dataclass
class Batch:
    columns: dict[str, list]  # schema column -> insertion text (accepted rows only)
    source_rows: list[int]
    extra: list[str | None]
    errors: list[CellError] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    max_dates: dict[str, str] = field(default_factory=dict)  # date column -> newest ISO date

    @property
    def rows_accepted(self) -> int:
        return len(self.source_rows)


def date_pairs(schema: Schema) -> list[tuple[str, str]]:
    """(start, end) date column pairs that must not run backwards: every date
    column whose name contains 'start' with a date column named the same with
    'end' (startdate/enddate, start/end, pricestart/priceend)."""
    names = {c.name: c for c in schema.columns if c.type == "date"}
    pairs = []
    for n in names:
        if "start" in n:
            other = n.replace("start", "end")
            if other in names:
                pairs.append((n, other))
    return pairs


def _is_blank_cell(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


class BatchValidator:
    """Validates batches of data rows of one file against ``match.schema``."""

    def __init__(self, match: HeaderMatch, today: _dt.date | None = None):
        self.schema = match.schema
        self.width = len(match.headers)
        self.positions: dict[str, int] = {c.name: pos for pos, c in match.mapping.items()}
        self.parsers = {c.name: ColumnParser(c) for c in self.schema.columns}
        self.extra_positions: list[tuple[int, str]] = []
        seen: set[str] = set(c.name for c in self.schema.columns)
        for pos, h in enumerate(match.headers):
            if pos in match.mapping:
                continue
            name = h.strip() or f"column_{pos + 1}"
            base, k = name, 2
            while name in seen:
                name, k = f"{base} ({k})", k + 1
            seen.add(name)
            self.extra_positions.append((pos, name))
        self.pairs = date_pairs(self.schema)
        dob = self.schema.identity.get("dob")
        self.dob_column = dob if dob in self.parsers else None
        self.today = (today or _dt.date.today()).isoformat()
        # Only the schema's extract-date column needs its newest value tracked.
        edc = self.schema.extract_date_column
        self.date_columns = [edc] if edc in self.parsers else []

    def process(self, rows: list[list], first_row: int) -> Batch:
        """Validate rows numbered ``first_row``, ``first_row + 1``, ... (Excel row numbers)."""
        nums = list(range(first_row, first_row + len(rows)))
        # Blank rows (every cell empty) are skipped, not counted.
        if not all(map(any, rows)):
            keep = [i for i, r in enumerate(rows) if any(r) or not all(map(_is_blank_cell, r))]
            rows = [rows[i] for i in keep]
            nums = [nums[i] for i in keep]
        width = self.width
        extra_positions = list(self.extra_positions)
        lengths = set(map(len, rows))
        if lengths and lengths != {width}:
            longest = max(lengths)
            for pos in range(width, longest):
                if any(len(r) > pos and not _is_blank_cell(r[pos]) for r in rows):
                    extra_positions.append((pos, f"column_{pos + 1}"))
            w = max(width, longest)
            rows = [r if len(r) == w else list(r) + [None] * (w - len(r)) for r in rows]
        n = len(rows)
        if n == 0:
            return Batch({c.name: [] for c in self.schema.columns}, [], [], rows_read=0)
        cols = list(zip(*rows))

        out: dict[str, list] = {}
        bad: dict[int, list[CellError]] = {}

        def reject(i: int, column: Column | None, value, reason: str) -> None:
            bad.setdefault(i, []).append(CellError(
                nums[i], column.name if column else "", parse_text(value) if value is not None else None,
                reason, bool(column and column.personal)))

        for c in self.schema.columns:
            pos = self.positions.get(c.name)
            parser = self.parsers[c.name]
            if pos is None:
                if c.type == "frequency" and c.default:
                    out[c.name] = [parser.parse(None)] * n
                else:
                    out[c.name] = [None] * n
                continue
            raw = cols[pos]
            vals, errors = parser.run(raw)
            for i, reason in errors:
                reject(i, c, raw[i], reason)
            if c.mandatory and not all(vals):  # None (typed) or '' (text) is blank
                failed = {i for i, _ in errors}
                for i, v in enumerate(vals):
                    if not v and v != 0 and i not in failed:
                        reject(i, c, raw[i], f"{c.name} is mandatory but blank")
            out[c.name] = vals

        for s_name, e_name in self.pairs:
            s_vals, e_vals = out[s_name], out[e_name]
            # ISO dates compare as text; a blank start never is, a blank end never ends.
            s_cmp = map(_BLANK_LOW.get, s_vals, s_vals)
            e_cmp = map(_BLANK_HIGH.get, e_vals, e_vals)
            if any(map(operator.gt, s_cmp, e_cmp)):
                for i, (s, e) in enumerate(zip(s_vals, e_vals)):
                    if s is not None and e is not None and s > e:
                        reject(i, self.schema.column(s_name), cols[self.positions[s_name]][i],
                               f"{s_name} ({s}) is after {e_name} ({e})")
        if self.dob_column:
            today = self.today
            dobs = out[self.dob_column]
            if max(filter(None, dobs), default="") > today:
                col = self.schema.column(self.dob_column)
                for i, d in enumerate(dobs):
                    if d is not None and d > today:
                        reject(i, col, cols[self.positions[col.name]][i], "date of birth is in the future")

        if extra_positions:
            # Extra header columns appear in every row's JSON (null when blank); cells
            # beyond the last header only where the row has something there.
            names = [name for _, name in self.extra_positions]
            ecols = [[parse_text(v) for v in cols[pos]] for pos, _ in self.extra_positions]
            extra = [dict(zip(names, vals)) for vals in zip(*ecols)] if ecols else [{} for _ in range(n)]
            for pos, name in extra_positions[len(self.extra_positions):]:
                for i, v in enumerate(cols[pos]):
                    t = parse_text(v)
                    if t is not None:
                        extra[i][name] = t
            extra = [json.dumps(d, ensure_ascii=False) if d else None for d in extra]
        else:
            extra = [None] * n

        errors_out: list[CellError] = []
        rejected = 0
        if bad:
            # A row whose cells are all blank or whitespace is a blank row, not a bad one.
            for i in list(bad):
                if all(map(_is_blank_cell, rows[i])):
                    del bad[i]
                    nums[i] = -1
            keep_mask = [i not in bad and nums[i] != -1 for i in range(n)]
            for i in sorted(bad):
                errors_out.extend(bad[i])
            rejected = len(bad)
            out = {k: list(compress(v, keep_mask)) for k, v in out.items()}
            extra = list(compress(extra, keep_mask))
            skipped_blank = sum(1 for x in nums if x == -1)
            nums = list(compress(nums, keep_mask))
            read = n - skipped_blank
        else:
            read = n
        max_dates = {}
        for name in self.date_columns:
            newest = max(filter(None, out[name]), default=None)
            if newest is not None:
                max_dates[name] = newest
        return Batch(out, nums, extra, errors_out, rows_read=read, rows_rejected=rejected,
                     max_dates=max_dates)
