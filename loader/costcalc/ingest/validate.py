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
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import compress, zip_longest

import pyarrow as pa
import pyarrow.compute as pc

from costcalc.ingest import identifiers
from costcalc.ingest.fastpaths import PY_WHITESPACE, fast_parse, trim
from costcalc.ingest.messages import quoted, say
from costcalc.placeholders import placeholder_mask
from costcalc.schemas import Column, Schema, load_date_limits, load_schemas
from costcalc.ingest.values import (EXCEL_ERRORS, INVISIBLE, InvalidValue, parse_date, parse_frequency,
                                    parse_integer, parse_money, parse_nhs_number, parse_ni_number,
                                    parse_uprn,
                                    parse_postcode, parse_text, parse_text_checked)

#: How many rows from the top are searched for the header row.
HEADER_SCAN_ROWS = 20
#: Per-column parse caches are dropped when they grow past this (memory stays flat).
CACHE_LIMIT = 100_000


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
    candidates = [schema] if schema is not None else [s for s in load_schemas().values() if s.recognise_from_headers]
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
            missing += [c for c in identifiers.missing_from_header(s, found) if c not in missing]
            m = HeaderMatch(s, i, texts, mapping, missing)
            if best is None or m.score() > best.score():
                best = m
    return best


# ----------------------------------------------------------------- column parsing

class _Bad:
    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


#: Column type -> Arrow type of its parsed values (what raw.<code> stores).
ARROW_TYPES = {
    "date": pa.date32(),
    "money": pa.decimal128(18, 4),
    "integer": pa.int64(),
}
_INT64 = 2**63


def _parse_integer64(v):
    n = parse_integer(v)
    if n is not None and not -_INT64 <= n < _INT64:  # Excel numbers can be bigger than BIGINT
        raise InvalidValue("number too large")
    return n


def _money_text(v):
    # As text ('1234.5000'): Arrow casts text to decimal128 exactly, and much faster
    # than it converts Decimal objects.
    d = parse_money(v)
    return None if d is None else format(d, "f")


_PARSERS = {
    "date": parse_date,
    "money": _money_text,
    "integer": _parse_integer64,
    "postcode": parse_postcode,
    "nhs_number": parse_nhs_number,
    "ni_number": parse_ni_number,
    "text": parse_text,
    "uprn": parse_uprn,
}


_NONE = type(None)
#: Python cell types (besides None) whose columns Arrow holds exactly: the Arrow type
#: to convert them to. (Not ints among floats: a big int would become a float.)
_ARROW_OF = {
    frozenset({str}): pa.string(),
    frozenset({_dt.date}): pa.date32(),
    frozenset({_dt.datetime}): pa.timestamp("us"),
    frozenset({float}): pa.float64(),
    frozenset({int}): pa.int64(),
    frozenset({bool}): pa.bool_(),
    frozenset(): pa.null(),
}


def as_arrow(values) -> pa.Array | None:
    """A column of cells as an Arrow array when its cells are all of one kind (every
    CSV column; text, dates or numbers of an .xlsx; blanks as null), else None."""
    if isinstance(values, pa.Array):
        return values
    kinds = set(map(type, values))
    kinds.discard(_NONE)
    arrow_type = _ARROW_OF.get(frozenset(kinds))
    if arrow_type is None:
        return None
    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return None


def encode(values) -> tuple[list, pa.Array]:
    """Dictionary-encode one column of cells: (distinct cells, int32 index per cell).

    A column whose cells are all of one kind (every CSV column; text, dates or
    numbers of an .xlsx) is encoded by Arrow in C; a column of mixed cells by a dict
    (still C-level per cell). Blank cells (None) are a distinct value like any other."""
    arr = as_arrow(values)
    if arr is None:
        # Keyed by (kind, cell): in Python True == 1 == 1.0, but they are different cells.
        keyed = list(zip(map(type, values), values))
        index = {k: i for i, k in enumerate(dict.fromkeys(keyed))}
        return [v for _, v in index], pa.array(map(index.__getitem__, keyed), type=pa.int32(), size=len(values))
    enc = arr.dictionary_encode(null_encoding="encode")
    return enc.dictionary.to_pylist(), enc.indices


def pa_dictionary(parser: "ColumnParser", parsed: list) -> pa.Array:
    """Parsed distinct values (no bad ones left) as an Arrow array of the column's type."""
    if parser.column.type == "money":  # '1234.5000': Arrow's text -> decimal cast is exact
        return pa.array(parsed, type=pa.string()).cast(parser.arrow_type)
    return pa.array(parsed, type=parser.arrow_type)


class ColumnParser:
    """Parses one column's cells into Arrow values (null = NULL), with a cache.

    Each distinct cell value of a batch is parsed once by the column type's parser
    (values.py, the only implementation), cached across batches; the per-cell work
    is Arrow's dictionary encoding and ``take``."""

    def __init__(self, column: Column, default: str | None = None):
        self.column = column
        if column.type == "frequency":
            default = default or column.default
            self.parse = lambda v: parse_frequency(v, default)
        elif column.type == "text" and column.mandatory:
            self.parse = parse_text_checked  # an Excel error (#REF!) is not the text
        else:
            self.parse = _PARSERS[column.type]
        self.arrow_type = ARROW_TYPES.get(column.type, pa.string())
        # Text is cheap to parse and often unique per row (references): no cache.
        self.cache: dict | None = None if column.type == "text" else {}
        self.bad_keys: set = set()  # cached cells that are bad

    def _one(self, v):
        try:
            return self.parse(v)
        except InvalidValue as exc:
            return _Bad(str(exc))

    def run(self, values) -> tuple[pa.Array, list[tuple[int, str]]]:
        """(parsed values, [(index, reason), ...]) for one batch of cells; a bad cell's
        value is null. The cells a fast path is sure of are parsed a column at a time
        in Arrow (costcalc.ingest.fastpaths); the rest by the column type's Python parser."""
        arr = as_arrow(values)
        if arr is None:  # cells of several kinds (an .xlsx column of numbers and text)
            return self._parse_each(values)
        if self.cache is None and (pa.types.is_string(arr.type) or pa.types.is_null(arr.type)):
            # Text cells: parse_text in Arrow, exactly (strip what str.strip strips;
            # empty -> null), with no Python object per cell.
            trimmed = trim(arr.cast(pa.string()))
            # A cell of only zero-width or format characters (U+200B, ...) is blank too.
            blank = pc.equal(pc.utf8_trim(trimmed, characters=INVISIBLE + PY_WHITESPACE), "")
            vals = pc.if_else(blank, pa.scalar(None, pa.string()), trimmed)
            if not self.column.mandatory:
                return vals, []
            errors = pc.is_in(pc.utf8_upper(vals), value_set=_EXCEL_ERRORS)
            if not errors.true_count:
                return vals, []
            where = pc.indices_nonzero(errors)
            vals = pc.if_else(errors, pa.scalar(None, pa.string()), vals)
            return vals, [(i, f"Excel error {t.upper()} in cell")
                          for i, t in zip(where.to_pylist(), trimmed.take(where).to_pylist())]
        fast = fast_parse(self.column.type, arr)
        if fast is None:
            return self._parse_each(arr)
        vals, handled = fast
        if handled.true_count == len(arr):
            return vals, []
        left = pc.indices_nonzero(pc.invert(handled))  # cells for the Python parser
        rest, errors = self._parse_each(arr.take(left))
        if errors:
            where = left.to_pylist()
            errors = [(where[i], reason) for i, reason in errors]
        return pc.replace_with_mask(vals, pc.invert(handled), rest), errors

    def _parse_each(self, values) -> tuple[pa.Array, list[tuple[int, str]]]:
        """:meth:`run` by the Python parser, once per distinct cell."""
        distinct, indices = encode(values)
        cache = self.cache
        if cache is None:
            parsed = [self._one(v) for v in distinct]
        else:
            if len(cache) > CACHE_LIMIT:
                cache.clear()
                self.bad_keys.clear()
            one = self._one
            keys = list(zip(map(type, distinct), distinct))  # (kind, cell), as in encode()
            seen = set(keys)
            for k in seen.difference(cache.keys()):
                o = cache[k] = one(k[1])
                if type(o) is _Bad:
                    self.bad_keys.add(k)
            parsed = list(map(cache.__getitem__, keys))
            if self.bad_keys.isdisjoint(seen):
                return pa_dictionary(self, parsed).take(indices), []
        bad = [k for k, o in enumerate(parsed) if type(o) is _Bad]
        reasons = {}
        for k in bad:
            reasons[k] = parsed[k].reason
            parsed[k] = None
        out = pa_dictionary(self, parsed).take(indices)
        errors: list[tuple[int, str]] = []
        if bad:
            hit = pc.indices_nonzero(pc.is_in(indices, value_set=pa.array(bad, type=indices.type)))
            errors = [(i, reasons[k]) for i, k in zip(hit.to_pylist(), indices.take(hit).to_pylist())]
        return out, errors


_EXCEL_ERRORS = pa.array(sorted(EXCEL_ERRORS), pa.string())

_POOL: ThreadPoolExecutor | None = None


def _column_pool() -> ThreadPoolExecutor:
    """Threads that parse a batch's columns side by side (one per core)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="costcalc-check")
    return _POOL


# ----------------------------------------------------------------------- batches

@dataclass
class CellError:
    row: int  # Excel row number
    column: str  # schema column name ('' for a whole-row problem)
    value: str | None  # the cell as text (may be personal data: never log it)
    reason: str
    personal: bool = False
    header: str = ""  # the column's header as the provider wrote it (or as we ask for it)


@dataclass
class Batch:
    """One validated batch, accepted rows only, as Arrow arrays of equal length:
    ``columns`` (schema column -> values typed as raw.<code> stores them: date32,
    decimal128(18,4), int64 or string; null = NULL), ``source_rows`` (int64 Excel
    row numbers) and ``extra`` (string, the ``_extra`` JSON). :meth:`table` puts
    them together for insertion."""
    columns: dict[str, pa.Array]
    source_rows: pa.Array
    extra: pa.Array
    errors: list[CellError] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    max_dates: dict[str, str] = field(default_factory=dict)  # date column -> newest ISO date
    costs_given: int = 0  # accepted rows with a unit cost (cost schemas)

    @property
    def rows_accepted(self) -> int:
        return len(self.source_rows)

    def table(self, names: list[str] | None = None) -> pa.Table:
        """``_source_row``, ``_extra`` and the schema columns (named ``names`` if given)."""
        cols = list(self.columns.values())
        names = list(names or self.columns)
        return pa.Table.from_arrays([self.source_rows, self.extra, *cols], ["_source_row", "_extra", *names])


def _pylist(col) -> list:
    return col.to_pylist() if isinstance(col, pa.Array) else col


class _Cells:
    """Cell ``i`` of a column as the reader gave it (a tuple, or an Arrow array)."""

    __slots__ = ("col",)

    def __init__(self, col):
        self.col = col

    def __getitem__(self, i: int):
        v = self.col[i]
        return v.as_py() if isinstance(v, pa.Scalar) else v


def _is_blank_cell(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


class BatchValidator:
    """Validates batches of data rows of one file against ``match.schema``."""

    def __init__(self, match: HeaderMatch, today: _dt.date | None = None, frequency_default: str | None = None,
                 extract_date: _dt.date | None = None):
        """``frequency_default``: the frequency the file type declares, for a blank or
        missing frequency column (see docs/loading.md); ``extract_date``: the file's, which
        the plausible-date window is relative to (schemas/limits.yaml)."""
        self.schema = match.schema
        self.width = len(match.headers)
        self.positions: dict[str, int] = {c.name: pos for pos, c in match.mapping.items()}
        direct = self.schema.service_use_column if self.schema.kind == "cost" else {}
        self.frequency_column = direct.get("frequency")
        self.cost_column = direct.get("unit_cost")
        self.parsers = {c.name: ColumnParser(c, frequency_default if c.name == self.frequency_column else None)
                        for c in self.schema.columns}
        #: Column -> its header as the provider wrote it (as we ask for it when absent).
        self.headers = {c.name: c.display for c in self.schema.columns}
        self.headers.update({c.name: match.headers[pos].strip() for pos, c in match.mapping.items()})
        # Extra header columns: in every row's JSON. Columns whose header cell is blank:
        # like cells beyond the last header, only in rows that have something there (a
        # sheet's used range, and so its blank header cells, depends on the reader).
        self.extra_positions: list[tuple[int, str]] = []
        self.unnamed_positions: list[tuple[int, str]] = []
        seen: set[str] = set(c.name for c in self.schema.columns)
        for pos, h in enumerate(match.headers):
            if pos in match.mapping:
                continue
            name = h.strip() or f"column_{pos + 1}"
            base, k = name, 2
            while name in seen:
                name, k = f"{base} ({k})", k + 1
            seen.add(name)
            (self.extra_positions if h.strip() else self.unnamed_positions).append((pos, name))
        self.pairs = self.schema.date_pairs  # declared in schemas/<code>.yaml
        dob = self.schema.identity.get("dob")
        self.dob_column = dob if dob in self.parsers else None
        self.today = (today or _dt.date.today()).isoformat()
        self.window = self._date_window(extract_date or today or _dt.date.today())
        # The newest value of every date column: the extract-date column's is the file's
        # extract date; the newest of all is checked against a given extract date (landing).
        self.date_columns = [c.name for c in self.schema.columns if c.type == "date" and c.name in self.parsers]

    def _date_window(self, extract: _dt.date) -> list[tuple[str, pa.Scalar | None, pa.Scalar, str, str]]:
        """(column, earliest, latest, reason if earlier, reason if later) for each date
        column: the plausible window of schemas/limits.yaml, relative to the extract date."""
        limits = load_date_limits()
        out = []
        for c in self.schema.columns:
            if c.type != "date":
                continue
            if c.name == self.dob_column:
                lo = limits.earliest_birth_date(extract)
                out.append((c.name, pa.scalar(lo, pa.date32()), None,
                            f"date of birth more than {limits.max_age_years} years before the extract date "
                            f"(before {lo:%d/%m/%Y})", ""))
            else:
                hi = limits.latest_service_date(extract)
                out.append((c.name, pa.scalar(limits.earliest, pa.date32()), pa.scalar(hi, pa.date32()),
                            f"date too early (before {limits.earliest:%d/%m/%Y})",
                            f"date too far in the future (after {hi:%d/%m/%Y}, more than "
                            f"{limits.max_years_after_extract} years after the extract date)"))
        return out

    def _check_date_window(self, out: dict, cols: list, reject) -> None:
        """Rejects dates outside the plausible window (see :meth:`_date_window`); a listed
        placeholder date of birth (01/01/1900: "not known", seeds/match_placeholders.csv)
        is no implausible date but a missing one, and stays."""
        for name, lo, hi, early, late in self.window:
            pos = self.positions.get(name)
            if pos is None:
                continue
            vals = out[name]
            listed = placeholder_mask("dob", vals) if name == self.dob_column else None
            for bound, test, reason in ((lo, pc.less, early), (hi, pc.greater, late)):
                if bound is None:
                    continue
                hit = pc.fill_null(test(vals, bound), False)
                if listed is not None:
                    hit = pc.and_(hit, pc.invert(listed))
                if hit.true_count:
                    col = self.schema.column(name)
                    for i in pc.indices_nonzero(hit).to_pylist():
                        reject(i, col, _Cells(cols[pos])[i], reason)

    def process(self, rows, first_row: int) -> Batch:
        """Validate rows numbered ``first_row``, ``first_row + 1``, ... (Excel row numbers):
        a list of rows, or a :class:`~costcalc.ingest.readers.ColumnBlock` of Arrow columns."""
        columns = getattr(rows, "columns", None)
        if columns is not None:
            if len(columns) < self.width:  # an .xlsx piece whose last columns are empty
                columns = columns + [pa.nulls(len(rows))] * (self.width - len(columns))
            if len(columns) == self.width:
                return self._process_columns(columns, first_row)
            rows = rows.to_rows()  # cells beyond the header: the row path keeps them
        nums = list(range(first_row, first_row + len(rows)))
        # Blank rows (every cell empty) are skipped, not counted.
        if not all(map(any, rows)):
            keep = [i for i, r in enumerate(rows) if any(r) or not all(map(_is_blank_cell, r))]
            rows = [rows[i] for i in keep]
            nums = [nums[i] for i in keep]
        width = self.width
        extra_positions = self.extra_positions + self.unnamed_positions
        lengths = set(map(len, rows))
        if lengths and lengths != {width}:
            longest = max(lengths)
            for pos in range(width, longest):
                if any(len(r) > pos and not _is_blank_cell(r[pos]) for r in rows):
                    extra_positions.append((pos, f"column_{pos + 1}"))
            # Short rows are padded with blank cells (None) as they are turned into columns.
            cols = list(zip_longest(*rows)) if rows else []
            if cols and longest < width:
                cols += [(None,) * len(rows)] * (width - longest)
        else:
            cols = list(zip(*rows))
        return self._validate(cols, nums, extra_positions, rows.__getitem__)

    def _process_columns(self, columns: list, first_row: int) -> Batch:
        """A block of Arrow columns as wide as the header: blank rows (every cell empty
        text or null) are dropped in Arrow, the rest as :meth:`process`."""
        n = len(columns[0])
        nums = list(range(first_row, first_row + n))
        blank = None
        for col in columns:
            if pa.types.is_string(col.type):
                e = pc.fill_null(pc.equal(col, ""), True)
            else:
                e = pc.is_null(col)
            blank = e if blank is None else pc.and_(blank, e)
        if blank.true_count:
            keep = pc.invert(blank)
            columns = [c.filter(keep) for c in columns]
            nums = list(compress(nums, keep.to_pylist()))
        if not nums:
            return self._validate([], [], [], None)

        def row(i: int) -> list:
            return [c[i].as_py() for c in columns]

        return self._validate(columns, nums, self.extra_positions + self.unnamed_positions, row)

    def _validate(self, cols: list, nums: list[int], extra_positions: list, row) -> Batch:
        """The checks on a batch's columns (tuples of cells, or Arrow string arrays);
        ``row(i)`` is the ``i``-th row's cells."""
        n = len(nums)
        if n == 0:
            return Batch({c.name: pa.array([], self.parsers[c.name].arrow_type) for c in self.schema.columns},
                         pa.array([], pa.int64()), pa.array([], pa.string()), rows_read=0)
        rejections = RowRejections(nums, self.headers)
        out = self._parse_columns(cols, n, rejections)
        self._check_frequencies(out, cols, rejections)
        self._check_date_order(out, cols, rejections)
        self._check_birth_dates(out, cols, rejections)
        self._check_date_window(out, cols, rejections.add)
        self._check_identified(out, cols, n, rejections)
        extra = self._extra_json(cols, n, extra_positions)
        kept = rejections.keep_mask(row)
        if kept is not None:
            out = {k: v.filter(kept) for k, v in out.items()}
            extra = extra.filter(kept)
        return Batch(out, pa.array(rejections.accepted_rows, pa.int64()), extra, rejections.errors(),
                     rows_read=rejections.rows_read, rows_rejected=rejections.rows_rejected,
                     max_dates=self._newest_dates(out),
                     costs_given=len(out[self.cost_column]) - out[self.cost_column].null_count
                     if self.cost_column else 0)

    def _parse_columns(self, cols: list, n: int, rejections: "RowRejections") -> dict[str, pa.Array]:
        """Every schema column of the batch parsed (absent columns: their fill value or
        NULL); bad cells and blank mandatory cells recorded in ``rejections``."""
        out: dict[str, pa.Array] = {}
        # Columns are parsed side by side: Arrow's kernels release the GIL.
        present = [c.name for c in self.schema.columns if c.name in self.positions]
        parsed = dict(zip(present, _column_pool().map(
            lambda name: self.parsers[name].run(cols[self.positions[name]]), present)))
        for c in self.schema.columns:
            pos = self.positions.get(c.name)
            if pos is None:
                out[c.name] = self._absent_column(c, n)
                continue
            raw = _Cells(cols[pos])
            vals, errors = parsed[c.name]
            for i, reason in errors:
                rejections.add(i, c, raw[i], reason)
            if c.mandatory and vals.null_count:
                failed = {i for i, _ in errors}
                for i in pc.indices_nonzero(vals.is_null()).to_pylist():
                    if i not in failed:
                        rejections.add(i, c, raw[i], say("mandatory_blank", header=quoted(self.headers[c.name])))
            out[c.name] = vals
        return out

    def _absent_column(self, c: Column, n: int) -> pa.Array:
        """The values of a column the file does not have: its default, else NULL."""
        parser = self.parsers[c.name]
        value = parser.parse(None) if c.type == "frequency" else None  # its default (or None)
        if value is None:
            return pa.nulls(n, parser.arrow_type)
        return pa.array([value], parser.arrow_type).take(pa.array([0] * n, pa.int32()))

    def _check_frequencies(self, out: dict, cols: list, rejections: "RowRejections") -> None:
        """A cost with a blank frequency (and no default for it) rejects the row: how
        often it is charged decides what it costs (docs/loading.md)."""
        freq, cost = self.frequency_column, self.cost_column
        if not freq or not cost or freq not in self.positions:
            return
        unknown = pc.and_(pc.is_null(out[freq]), pc.is_valid(out[cost]))
        if unknown.true_count:
            col = self.schema.column(freq)
            raw = _Cells(cols[self.positions[freq]])
            failed = set(rejections.bad)
            for i in pc.indices_nonzero(unknown).to_pylist():
                if i not in failed or all(e.column != freq for e in rejections.bad[i]):
                    rejections.add(i, col, raw[i], say("frequency_blank", header=quoted(self.headers[freq])))

    def _check_date_order(self, out: dict, cols: list, rejections: "RowRejections") -> None:
        """A start date after its end date rejects the row."""
        for s_name, e_name in self.pairs:
            s_vals, e_vals = out[s_name], out[e_name]
            # A blank start or end never runs backwards (null compares as null: not after).
            after = pc.greater(s_vals, e_vals)
            if after.true_count:
                for i in pc.indices_nonzero(pc.fill_null(after, False)).to_pylist():
                    # The reason names no dates: reasons reach the terminal (docs/loading.md).
                    rejections.add(i, self.schema.column(s_name), _Cells(cols[self.positions[s_name]])[i],
                                   say("dates_backwards", start=quoted(self.headers[s_name]),
                                       end=quoted(self.headers[e_name])))

    def _check_birth_dates(self, out: dict, cols: list, rejections: "RowRejections") -> None:
        """A date of birth after today rejects the row."""
        if not self.dob_column:
            return
        dobs = out[self.dob_column]
        future = pc.greater(dobs, pa.scalar(_dt.date.fromisoformat(self.today), pa.date32()))
        if future.true_count:
            col = self.schema.column(self.dob_column)
            for i in pc.indices_nonzero(pc.fill_null(future, False)).to_pylist():
                rejections.add(i, col, _Cells(cols[self.positions[col.name]])[i], say("dob_future"))

    def _check_identified(self, out: dict, cols: list, n: int, rejections: "RowRejections") -> None:
        """A row without any of the schema's ``identified_by`` combinations (the fields
        filled in; NHS and NI numbers valid as matching needs them) is rejected, naming
        the column it lacks in the combination it comes closest to, and every
        combination it could give (costcalc.ingest.identifiers). Rows already rejected
        for another reason are not told twice."""
        schema = self.schema
        if not schema.identified_by:
            return
        ok, masks = identifiers.identified(schema, out, n)
        if not ok.false_count:
            return
        options = self._identification_options()
        for i in pc.indices_nonzero(pc.invert(ok)).to_pylist():
            if i in rejections.bad:
                continue
            field = identifiers.closest_gap(schema, masks, out, i)
            col = schema.column(schema.identity[field])
            pos = self.positions.get(col.name)
            raw = _Cells(cols[pos])[i] if pos is not None else None
            if out[col.name][i].is_valid:
                reason = say("not_identified_number", header=quoted(self.headers[col.name]), options=options)
            else:
                reason = say("not_identified", options=options)
            rejections.add(i, col, raw, reason)

    def _identification_options(self) -> str:
        """"'Surname' and 'Date of Birth', or a valid 'NHS Number'": the schema's
        combinations in the provider's headers."""
        parts = []
        for combo in self.schema.identified_by:
            words = [("a valid " if f in identifiers.NUMBERS else "") + quoted(self.headers[self.schema.identity[f]])
                     for f in combo]
            parts.append(" and ".join(words))
        return ", or ".join(parts)

    def _extra_json(self, cols: list, n: int, extra_positions: list) -> pa.Array:
        """Each row's ``_extra`` JSON: extra header columns in every row (null when
        blank); cells under a blank header or beyond the last one only where the row
        has something."""
        if not extra_positions:
            return pa.nulls(n, pa.string())
        names = [name for _, name in self.extra_positions]
        ecols = [[parse_text(v) for v in _pylist(cols[pos])] for pos, _ in self.extra_positions]
        extra = [dict(zip(names, vals)) for vals in zip(*ecols)] if ecols else [{} for _ in range(n)]
        for pos, name in extra_positions[len(self.extra_positions):]:
            for i, v in enumerate(_pylist(cols[pos])):
                t = parse_text(v)
                if t is not None:
                    extra[i][name] = t
        return pa.array([json.dumps(d, ensure_ascii=False) if d else None for d in extra], pa.string())

    def _newest_dates(self, out: dict) -> dict[str, str]:
        """The newest accepted value of each tracked date column (ISO text)."""
        max_dates = {}
        for name in self.date_columns:
            newest = pc.max(out[name]).as_py()
            if newest is not None:
                max_dates[name] = newest.isoformat()
        return max_dates


class RowRejections:
    """The rejected cells of one batch, by row index, and which rows are kept.

    ``nums`` are the batch's Excel row numbers (index ``i`` is row ``nums[i]``)."""

    def __init__(self, nums: list[int], headers: dict[str, str]):
        self.nums = nums
        self.headers = headers
        self.bad: dict[int, list[CellError]] = {}
        self.rows_read = len(nums)
        self.rows_rejected = 0
        self.accepted_rows = nums

    def add(self, i: int, column: Column | None, value, reason: str) -> None:
        self.bad.setdefault(i, []).append(CellError(
            self.nums[i], column.name if column else "", parse_text(value) if value is not None else None,
            reason, bool(column and column.personal), self.headers.get(column.name, "") if column else ""))

    def keep_mask(self, row) -> pa.Array | None:
        """The rows to keep (None: all of them). A rejected row whose cells are all
        blank or whitespace is a blank row: neither read nor rejected."""
        if not self.bad:
            return None
        nums, n = self.nums, len(self.nums)
        blank = {i for i in self.bad if all(map(_is_blank_cell, row(i)))}
        for i in blank:
            del self.bad[i]
        keep = [i not in self.bad and i not in blank for i in range(n)]
        self.rows_rejected = len(self.bad)
        self.rows_read = n - len(blank)
        self.accepted_rows = list(compress(nums, keep))
        return pa.array(keep, pa.bool_())

    def errors(self) -> list[CellError]:
        """The cell errors in row order."""
        out: list[CellError] = []
        for i in sorted(self.bad):
            out.extend(self.bad[i])
        return out
