"""Landing: one provider file -> validated rows in ``raw.<code>``, in one transaction.

Interface (see docs/architecture.md and docs/loading.md)::

    from costcalc.ingest.landing import load_file
    result = load_file(warehouse_path, file_path, schema=None, file_type=None,
                       provider=None, extract_date=None, strict=False, progress=False)
    result.status   # 'loaded' | 'rejected' | 'unchanged'

A load is all or nothing: accepted rows, rejected-row details and the
``raw.load_log`` row commit together, so a load killed part-way leaves
nothing behind. A file whose sha256 was loaded before changes nothing
(status 'unchanged'). Messages (``LoadResult.message``, ``LoadResult.errors``
without values of personal columns) are safe to print; the provider-facing
error report beside the file, and ``raw.rejected_rows``, keep the values.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gc
import hashlib
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd
import pyarrow as pa

from costcalc.safefs import fit_name, write_atomic_path
from costcalc.settings import load_settings
from costcalc.ingest.extract_date import DATA, GIVEN, GUESSED, LOAD_DATE
from costcalc.placeholders import count_placeholders, summary as placeholder_summary
from costcalc.ingest.readers import ReadError, RowSource, open_rows
from costcalc.safe_output import spreadsheet_row, terminal_text
from costcalc.schemas import FileType, Schema, get_schema, load_file_types, load_schemas
from costcalc.ingest import messages
from costcalc.ingest.headers import HeaderReview, column_letter, review_headers
from costcalc.ingest.messages import data_set_name, expected, listed, quoted, say
from costcalc.ingest.validate import HEADER_SCAN_ROWS, Batch, BatchValidator, CellError, HeaderMatch, find_header
from costcalc.warehouse.connection import (ensure_raw, insert_from, next_load_id, open_warehouse, quote,
                                          transaction)

log = logging.getLogger(__name__)

#: Rows validated and inserted per batch (memory stays flat in file size).
BATCH_ROWS = 50_000
#: How many cell errors a LoadResult carries for display (all go to the report and the table).
ERRORS_SHOWN = 20


#: The names a batch of accepted rows, and of cell errors, is registered under for its INSERT.
BATCH_NAME = "_costcalc_batch"
ERRORS_NAME = "_costcalc_errors"


@dataclass
class LoadResult:
    load_id: int | None
    status: str  # 'loaded' | 'rejected' | 'unchanged'
    schema_code: str | None
    file_type: str | None
    source_file: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    message: str
    error_report_path: Path | None = None
    #: The first few cell errors, for display (values of personal columns must be withheld,
    #: see :func:`describe_error`).
    errors: list[CellError] = field(default_factory=list)
    #: Headers of the file that the schema does not know (not personal: safe to print),
    #: each with the hint a provider gets ("did you mean 'Weekly Cost'?") or ''.
    unrecognised: list[tuple[str, str]] = field(default_factory=list)
    #: Schema column -> the header the provider wrote for it (for the error report).
    headers: dict[str, str] = field(default_factory=dict)
    #: Why the whole file was refused, in the provider's words (no file name), or None.
    refusal: str | None = None
    header_row: int | None = None
    #: Warnings about the load as a whole (e.g. the extract date), safe to print.
    warnings: list[str] = field(default_factory=list)
    extract_date: _dt.date | None = None
    #: Where the extract date came from (costcalc.ingest.extract_date): 'data', 'given', ...
    extract_date_source: str | None = None


def describe_error(e: CellError) -> str:
    """One cell error as a line safe for a terminal or a log: never a cell's value, of
    any column (a shifted row puts a date of birth under a column that is not personal),
    only where it is and why; the value is in the provider's error report. Control
    characters are removed (costcalc.safe_output)."""
    where = f"row {e.row}" if e.row else "file"
    col = f", column {messages.plain(e.header or e.column)}" if e.column else ""
    reason = e.reason
    if e.value:  # a reason that quotes the value ("unknown frequency 'Quarterly'") does not here
        reason = reason.replace(repr(e.value), "(see the error report)")
    return terminal_text(f"{where}{col}: {reason}", one_line=True)


REPORT_SUFFIX = ".errors.csv"


def error_report_path(path: str | os.PathLike) -> Path:
    """Where the provider-facing error report for ``path`` is written: ``<file name>.errors.csv``
    (for a name too long for that, the name is shortened first, keeping its extension:
    :func:`costcalc.safefs.fit_name`)."""
    p = Path(path)
    return p.with_name(fit_name(p.name, reserve=len(REPORT_SUFFIX)) + REPORT_SUFFIX)


def is_error_report(path: str | os.PathLike) -> bool:
    """True for an error report written by the loader (a watcher must not load these)."""
    return Path(path).name.lower().endswith(".errors.csv")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _as_date(value) -> _dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"extract date must be YYYY-MM-DD, not {value!r}") from None


def default_file_type(schema_code: str) -> FileType | None:
    """The first file type in seeds/file_types.csv whose schema is ``schema_code``."""
    for ft in load_file_types().values():
        if ft.schema_code == schema_code.upper():
            return ft
    return None


class _Rejected(Exception):
    """A whole-file rejection (before any row is inserted): ``reason`` in the provider's
    words, without the file name."""

    def __init__(self, reason: str, row: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.row = row


def load_file(warehouse: str | os.PathLike, path: str | os.PathLike, *, schema: str | None = None,
              file_type: str | None = None, provider: str | None = None,
              extract_date: _dt.date | str | None = None, strict: bool = False,
              progress: bool = False, before_commit: Callable[[str], None] | None = None,
              extract_date_source: str | None = None) -> LoadResult:
    """Validate ``path`` and land its accepted rows in ``raw.<code>`` (see the module doc).

    ``extract_date_source`` says where a given ``extract_date`` came from ('given' by
    default; the watched folder passes 'file name', 'sidecar', 'folder' or 'drop date',
    see costcalc.ingest.extract_date). ``before_commit(sha256)``, when given, is called just before the load (or the
    rejection) commits; an exception it raises rolls the load back and is raised
    (the watched folder checks there that the dropped file did not change).
    """
    path = Path(path)
    name = path.name
    given_extract = _as_date(extract_date)
    provider = (provider or "").strip() or None
    if not path.is_file():
        msg = f"{name}: file not found" if not path.exists() else f"{name}: not a file"
        return LoadResult(None, "rejected", None, file_type, name, 0, 0, 0, msg)

    # The load creates millions of short-lived lists and strings but no reference
    # cycles; the cyclic garbage collector would spend most of the load scanning
    # them (measured: about 3x slower). It is paused for the load and restored after.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    # The warehouse is opened, and the file hashed, in helper threads (DuckDB and
    # hashlib work without holding the GIL) while this one reads the file's header.
    helpers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="costcalc-open")
    opening = helpers.submit(_open_warehouse, warehouse)
    hashing = helpers.submit(file_sha256, path)
    helpers.shutdown(wait=False)
    loader = con = None
    try:
        loader = _Loader(path, schema, file_type, provider, given_extract, strict, progress)
        loader.before_commit = before_commit
        if given_extract is not None:
            loader.extract_date_source = extract_date_source or GIVEN
        loader.open()
        sha = loader.sha = hashing.result()
        con = opening.result()
        prior = con.execute(
            "SELECT load_id, loaded_at, schema_code, file_type FROM raw.load_log "
            "WHERE sha256 = ? AND status = 'loaded' ORDER BY load_id LIMIT 1", [sha]).fetchall()
        prior = prior[0] if prior else None
        if prior and not loader.provider_refused:  # a wrong provider is refused even for a file loaded before
            when = prior[1].strftime("%Y-%m-%d %H:%M")
            return LoadResult(prior[0], "unchanged", prior[2], prior[3], name, 0, 0, 0,
                              f"{name}: already loaded (load {prior[0]}, {when}); nothing changed")
        result = loader.run(con)
    finally:
        if loader is not None:
            loader.close()
        if con is None:  # stopped before the warehouse was needed: close it once open
            try:
                con = opening.result()
            except Exception:
                con = None
        if con is not None:
            con.close()
        if gc_was_enabled:
            gc.enable()
    _write_error_report(warehouse, path, result)
    log.info("%s", result.message)  # messages never carry cell values
    return result


def loaded_by(con) -> str:
    """Who raw.load_log names for a load: the database session user on a server engine,
    else the operating-system account (as the lookup audit: costcalc.lookup.audited_user)."""
    from costcalc.lookup import audited_user

    return audited_user(con)


def _open_warehouse(warehouse):
    """A connection to the warehouse, with the raw tables made if missing."""
    con = open_warehouse(path=warehouse)
    try:
        ensure_raw(con)
    except BaseException:
        con.close()
        raise
    return con


class _Loader:
    """One file's load: :meth:`open` reads what it can without the warehouse (arguments,
    header, provider, merged cells), :meth:`run` records the load in it."""

    def __init__(self, path: Path, schema: str | None, file_type: str | None,
                 provider: str | None, extract_date: _dt.date | None, strict: bool, progress: bool):
        self.con = None
        self.sha: str | None = None  # set before run()
        self.path, self.name = path, path.name
        self.source: RowSource | None = None
        self.rejection: tuple[str, int | None] | None = None
        self.schema_arg, self.file_type_arg = schema, file_type
        self.provider, self.extract_date, self.strict, self.progress = provider, extract_date, strict, progress
        self.schema: Schema | None = None
        self.file_type: FileType | None = None
        self.review: HeaderReview | None = None
        self.provider_refused = False
        self.started = _dt.datetime.now().replace(microsecond=0)
        self.before_commit: Callable[[str], None] | None = None
        self.extract_date_source = LOAD_DATE  # without a date given: the day of the load
        self.warnings: list[str] = []
        self.loaded_by: str | None = None  # set by run()

    def _about_to_commit(self) -> None:
        """The last step inside a load's transaction (the watcher checks the file is unchanged)."""
        if self.before_commit is not None:
            self.before_commit(self.sha)

    # -------------------------------------------------------------- options
    def _resolve_arguments(self) -> None:
        if self.file_type_arg:
            types = load_file_types()
            ft = types.get(self.file_type_arg)
            if ft is None:
                raise _Rejected(f"unknown file type {self.file_type_arg!r} "
                                f"(known: {', '.join(types)})")
            self.file_type = ft
            if self.schema_arg and self.schema_arg.upper() != ft.schema_code:
                raise _Rejected(f"file type {ft.file_type} uses schema {ft.schema_code}, "
                                f"not {self.schema_arg.upper()}")
            self.schema = get_schema(ft.schema_code)
        elif self.schema_arg:
            try:
                self.schema = get_schema(self.schema_arg)
            except KeyError:
                raise _Rejected(f"unknown schema {self.schema_arg!r} "
                                f"(known: {', '.join(load_schemas())})") from None

    def _check_provider(self) -> None:
        ft = self.file_type
        if ft is None:
            self.file_type = ft = default_file_type(self.schema.code)
        if ft is not None and self.provider is not None and not ft.allows(self.provider):
            self.provider_refused = True
            raise _Rejected(say("provider_not_allowed", provider=quoted(self.provider),
                                data_set=data_set_name(self.schema, ft), allowed=", ".join(ft.allowed_providers)))

    def _header(self, source: RowSource) -> tuple[HeaderMatch, list[list]]:
        head = source.take(HEADER_SCAN_ROWS)
        if not any(any(c not in (None, "") and not (isinstance(c, str) and not c.strip()) for c in r)
                   for r in head):
            raise _Rejected(say("no_rows_xlsx") if source.kind in ("xlsx", "xls") else say("no_rows"))
        match = find_header(head, self.schema)
        hint = ""
        if source.kind == "csv" and any(len(r) == 1 and isinstance(r[0], str) and (";" in r[0] or "\t" in r[0])
                                        for r in head):
            hint = say("separator_hint")
        if match is None:
            raise _Rejected(say("no_header", rows=HEADER_SCAN_ROWS) + hint)
        header_row = source.first_row + match.row_index
        review = review_headers(match.schema, match.headers, match.mapping)
        if not match.fits:
            s = match.schema
            missing = expected_each(s.column(m) for m in match.missing)
            unrecognised = say("unrecognised_part", headers=_unknown_list(review)) if review.unknown else ""
            if self.schema is not None:
                msg = say("misfit_given", data_set=data_set_name(s, self.file_type), missing=missing,
                          unrecognised=unrecognised)
            else:
                msg = say("misfit_any", data_set=data_set_name(s), row=header_row, missing=missing,
                          unrecognised=unrecognised)
            raise _Rejected(msg + hint, header_row)
        if review.duplicates:
            raise _Rejected(_duplicate_message(review), header_row)
        self.schema = match.schema
        self.review = review
        return match, head[match.row_index + 1:]

    def _check_columns(self) -> None:
        """The file's columns against what the schema and file type ask: known headers
        only (where configured), a cost column, a frequency (column or declared)."""
        schema, ft, review = self.schema, self.file_type, self.review
        data_set = data_set_name(schema, ft)
        if review.unknown and "refuse" in (schema.unknown_headers, ft.unknown_headers if ft else "allow"):
            raise _Rejected(say("refused_unknown", data_set=data_set, headers=_unknown_list(review)),
                            self.header_row)
        if schema.kind != "cost":
            return
        found = {c.name for c in self.match.mapping.values()}
        direct = schema.service_use_column
        cost = direct.get("unit_cost")
        if cost and cost not in found:
            col = schema.column(cost)
            renames = review.renames_of(col)
            part = say("unrecognised_part", headers=_unknown_list(review, renames)) if renames else ""
            raise _Rejected(say("no_cost_column", expected=expected_each([col]), unrecognised=part),
                            self.header_row)
        freq = direct.get("frequency")
        if freq and freq not in found and not (ft and ft.frequency):
            raise _Rejected(say("no_frequency_column", expected=expected_each([schema.column(freq)])),
                            self.header_row)

    def _check_merged(self, source: RowSource, header_row: int) -> None:
        bad = [m for m in source.merged if m[2] >= header_row]
        if bad:
            from openpyxl.utils import get_column_letter

            r1, c1, r2, c2 = bad[0]
            ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
            more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
            raise _Rejected(say("merged_cells", where=f"{ref}{more}"), header_row)

    # -------------------------------------------------------------- the load
    def open(self) -> None:
        """The file side of the load. A file that cannot be loaded is remembered as the
        rejection :meth:`run` records."""
        try:
            self._resolve_arguments()
            self.source = open_rows(self.path)
            self.match, self.rest = self._header(self.source)
            self.header_row = self.source.first_row + self.match.row_index
            self._check_provider()
            self._check_columns()
            self._check_merged(self.source, self.header_row)
        except ReadError as exc:
            self.rejection = (str(exc), None)
        except _Rejected as exc:
            self.rejection = (exc.reason, exc.row)

    def run(self, con) -> LoadResult:
        self.con = con
        self.loaded_by = loaded_by(con)
        try:
            if self.rejection is not None:
                return self._reject_file(*self.rejection)
            return self._load(self.source, self.match, self.rest, self.header_row + 1)
        except ReadError as exc:
            return self._reject_file(str(exc))
        except _Rejected as exc:
            return self._reject_file(exc.reason, exc.row)
        finally:
            self.close()

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None

    def _reject_file(self, reason: str, row: int | None = None) -> LoadResult:
        if reason.startswith(self.name + ": "):  # a reader's message names the file already
            reason = reason[len(self.name) + 2:]
        message = f"{self.name}: {reason}"
        con = self.con
        with transaction(con):
            load_id = next_load_id(con)
            con.execute("INSERT INTO raw.rejected_rows (load_id, source_file, source_row, reason) "
                        "VALUES (?, ?, ?, ?)",
                        [load_id, self.name, row, message]).fetchall()
            self._log_row(load_id, "rejected", 0, 0, 0, message, None)
            self._about_to_commit()
        return LoadResult(load_id, "rejected", self.schema.code if self.schema else None,
                          self.file_type.file_type if self.file_type else None, self.name,
                          0, 0, 0, message, None, [CellError(row or 0, "", None, reason)],
                          self._unrecognised(), self._headers(), reason, row)

    def _unrecognised(self) -> list[tuple[str, str]]:
        """(header, hint) for each header the schema does not know."""
        review = getattr(self, "review", None)
        if review is None:
            return []
        return [(u.text, say("did_you_mean", expected=expected(u.probably)) if u.probably else "")
                for u in review.unknown]

    def _headers(self) -> dict[str, str]:
        match = getattr(self, "match", None)
        if match is None:
            return {}
        return {c.name: match.headers[pos].strip() for pos, c in match.mapping.items()}

    def _log_row(self, load_id, status, read, accepted, rejected, message, extract_date,
                 extract_source: str | None = None) -> None:
        self.con.execute(
            "INSERT INTO raw.load_log (load_id, source_file, sha256, schema_code, file_type, provider, "
            "extract_date, rows_read, rows_accepted, rows_rejected, status, message, loaded_at, "
            "extract_date_source, warning, loaded_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, self.name, self.sha, self.schema.code if self.schema else None,
             self.file_type.file_type if self.file_type else None, self.provider, extract_date,
             read, accepted, rejected, status, message, self.started, extract_source,
             "; ".join(self.warnings) or None, self.loaded_by]).fetchall()

    def _extract_date_warnings(self, extract: _dt.date, source: str, data_newest: _dt.date | None) -> None:
        """Warn (log, load summary, raw.load_log.warning) when the extract date is a guess, and
        when it moves the file type's latest extract date more than
        ``loading.extract_date_gap_days`` beyond the newest date in the file's rows: ongoing
        records of the file type are costed up to that date (docs/contract.md §3)."""
        if source == DATA:
            return
        if source in GUESSED:
            self.warnings.append(f"no extract date was found (data, file name, sidecar or folder "
                                 f"setting): the {source} {extract} is used")
        if data_newest is None or self.file_type is None:
            return
        gap = load_settings().loading.extract_date_gap_days
        days = (extract - data_newest).days
        if days <= gap:
            return
        prev = self.con.execute("SELECT max(extract_date) FROM raw.load_log WHERE file_type = ? "
                                "AND status = 'loaded'", [self.file_type.file_type]).fetchall()[0][0]
        prev = _as_date(prev)
        if prev is not None and extract <= prev:
            return
        moved = f"from {prev} " if prev else ""
        self.warnings.append(
            f"the extract date {extract} ({source}) is {days} days after the newest date in the file's "
            f"rows, and moves the latest extract date of {self.file_type.file_type} {moved}to it "
            f"(more than {gap} days): ongoing records of this file type are costed up to that date; "
            f"if the data is older, give its real extract date (docs/watch.md)")

    def _load(self, source: RowSource, match: HeaderMatch, rest: list[list], first_data_row: int) -> LoadResult:
        con, schema = self.con, self.schema
        validator = BatchValidator(match, frequency_default=self.file_type.frequency if self.file_type else None,
                                   extract_date=self.extract_date)
        insert_sql = insert_statement(schema, typed=isinstance(con, duckdb.DuckDBPyConnection))
        tally = LoadTally()
        bar = self._progress_bar(source)
        inserter = BatchInserter(self._insert_batch)
        try:
            with transaction(con, before_rollback=inserter.settle):  # the connection is one thread's
                load_id = next_load_id(con)
                row_no = first_data_row
                for chunk in _chunks(source, rest):
                    batch = validator.process(chunk, row_no)
                    inserter.wait()
                    row_no += len(chunk)
                    tally.count(batch)
                    if batch.errors:
                        self._insert_errors(load_id, batch.errors)
                        if self.strict and not tally.strict_failed:
                            tally.strict_failed = True
                            con.execute(f"DELETE FROM raw.{quote(schema.table)} WHERE _load_id = ?",
                                        [load_id]).fetchall()
                    if not tally.strict_failed and batch.rows_accepted:
                        inserter.submit(insert_sql, load_id, batch)
                        tally.accept(batch, schema)
                    if bar is not None:
                        bar.advance()
                inserter.wait()
                # A streamed sheet reports its merged cells only once all its rows are read.
                self._check_merged(source, first_data_row - 1)
                status, message, extract = self._outcome(tally)
                refusal = message.removeprefix(f"{self.name}: ") if status == "rejected" else None
                if status == "loaded":
                    # A file that loaded nothing useful is refused whole, nothing kept.
                    refusal = (say("blank_cost_column",
                                   header=quoted(validator.headers[schema.service_use_column["unit_cost"]]))
                               if self._costs_all_blank(tally)
                               else self._too_little_accepted(tally.read, tally.accepted, tally.rejected))
                    if refusal is not None:
                        con.execute(f"DELETE FROM raw.{quote(schema.table)} WHERE _load_id = ?", [load_id]).fetchall()
                        con.execute("INSERT INTO raw.rejected_rows VALUES (?, ?, NULL, NULL, NULL, ?)",
                                    [load_id, self.name, refusal]).fetchall()
                        tally.accepted, status, extract, message = 0, "rejected", None, f"{self.name}: {refusal}"
                date_source = None
                if status == "loaded":
                    date_source = DATA if tally.newest else self.extract_date_source
                    self._extract_date_warnings(extract, date_source,
                                                _dt.date.fromisoformat(tally.newest_any) if tally.newest_any else None)
                self._log_row(load_id, status, tally.read, tally.accepted, tally.rejected, message, extract,
                              date_source)
                self._about_to_commit()
        finally:
            inserter.shutdown()
            if bar is not None:
                bar.finish()
        for w in self.warnings:
            log.warning("%s: %s", self.name, w)
        return LoadResult(load_id, status, schema.code,
                          self.file_type.file_type if self.file_type else None, self.name,
                          tally.read, tally.accepted, tally.rejected, message, errors=tally.shown,
                          unrecognised=self._unrecognised(), headers=self._headers(), refusal=refusal,
                          header_row=first_data_row - 1, warnings=list(self.warnings),
                          extract_date=extract if status == "loaded" else None, extract_date_source=date_source)

    def _costs_all_blank(self, tally: "LoadTally") -> bool:
        """A cost file whose cost column is blank in every accepted row (refused, never
        loaded as costing nothing)."""
        return (self.schema.kind == "cost" and "unit_cost" in self.schema.service_use_column
                and tally.accepted > 0 and tally.costs_given == 0)

    def _outcome(self, tally: "LoadTally") -> tuple[str, str, _dt.date | None]:
        """(status, message, extract date) of a load whose rows have all been read."""
        if tally.strict_failed:
            tally.accepted = 0
            return ("rejected", f"{self.name}: " + say("strict", rejected=tally.rejected, read=tally.read), None)
        extract = (_dt.date.fromisoformat(tally.newest) if tally.newest else
                   self.extract_date or self.started.date())
        message = f"{self.name}: loaded {tally.accepted} of {tally.read} rows into raw.{self.schema.table}"
        if tally.rejected:
            message += f"; {tally.rejected} row{'s' if tally.rejected != 1 else ''} rejected"
        message += placeholder_summary(tally.placeholders)
        message += self._older_extract_note(extract)
        unknown = self.review.unknown if self.review else []
        if unknown:
            message += f"; {len(unknown)} column{'s' if len(unknown) != 1 else ''} not recognised: " \
                       + ", ".join(quoted(u.text) for u in unknown)
        return "loaded", message, extract

    def _too_little_accepted(self, read: int, accepted: int, rejected: int) -> str | None:
        """Why a file that loaded nothing useful is rejected whole, or None: no row accepted,
        or more rejected rows than ``loading.max_rejected_share`` of costcalc.yml (docs/settings.md)."""
        share = load_settings().loading.max_rejected_share
        if read == 0:
            return say("no_data_rows")
        if accepted == 0:
            return say("no_row_accepted", read=read)
        if rejected > share * read:
            return say("too_many_rejected", rejected=rejected, read=read, share=f"{share:.0%}")
        return None

    def _older_extract_note(self, extract: _dt.date) -> str:
        """The note for a file older than the newest extract of its file type already
        loaded (docs/contract.md §2: the newer extract keeps its values)."""
        if self.file_type is None:
            return ""
        newest = self.con.execute(
            "SELECT max(extract_date) FROM raw.load_log WHERE file_type = ? AND status = 'loaded'",
            [self.file_type.file_type]).fetchall()[0][0]
        if newest is None or _dt.date.fromisoformat(str(newest)[:10]) <= extract:
            return ""
        return (f"; its extract date {extract.isoformat()} is older than the newest extract of this "
                f"file type ({str(newest)[:10]}): it cannot change what newer files say")

    def _insert_batch(self, insert_sql: str, load_id: int, batch: Batch) -> None:
        # An Arrow table of typed columns with its lineage, passed by name to the
        # INSERT ... SELECT (costcalc.warehouse.connection.insert_from).
        table = batch.table([f"c{i}" for i in range(len(self.schema.columns))])
        n = table.num_rows
        one = pa.repeat(pa.scalar(0, pa.int8()), n)  # constants as one-entry dictionaries: no copies
        table = (table.append_column("_load_id", pa.DictionaryArray.from_arrays(one, pa.array([load_id], pa.int64())))
                 .append_column("_source_file", pa.DictionaryArray.from_arrays(one, pa.array([self.name])))
                 .append_column("_loaded_at", pa.DictionaryArray.from_arrays(
                     one, pa.array([self.started], pa.timestamp("us")))))
        insert_from(self.con, BATCH_NAME, table, insert_sql)

    def _insert_errors(self, load_id: int, errors: list[CellError]) -> None:
        n = len(errors)
        frame = pd.DataFrame({
            "load_id": pd.Series([load_id] * n, dtype="int64"),
            "source_file": pd.Series([self.name] * n, dtype=object),
            "source_row": pd.Series([e.row for e in errors], dtype="int64"),
            "column_name": pd.Series([e.column or None for e in errors], dtype=object),
            "value": pd.Series([e.value for e in errors], dtype=object),
            "reason": pd.Series([e.reason for e in errors], dtype=object),
        })
        insert_from(self.con, ERRORS_NAME, frame,
                    "INSERT INTO raw.rejected_rows (load_id, source_file, source_row, column_name, value, reason) "
                    "SELECT load_id, CAST(source_file AS VARCHAR), source_row, CAST(column_name AS VARCHAR), "
                    f"CAST(value AS VARCHAR), CAST(reason AS VARCHAR) FROM {ERRORS_NAME}")

    def _progress_bar(self, source: RowSource) -> "ProgressBar | None":
        if not self.progress or not sys.stderr.isatty():
            return None
        if not source.progress_total or source.progress_position is None:
            return None
        return ProgressBar(source, f"loading {self.name}")


def expected_each(columns) -> str:
    """Missing columns for a message: "'Date of Birth', 'Start Date'"."""
    return listed(c.display for c in columns)


def _unknown_list(review: HeaderReview, only=None) -> str:
    """Unrecognised headers for a message, each with its column letter and probable meaning."""
    parts = []
    for u in (only if only is not None else review.unknown):
        text = f"{quoted(u.text)} (column {column_letter(u.position)}"
        if u.probably:
            text += "; " + say("did_you_mean", expected=expected(u.probably))
        parts.append(text + ")")
    return ", ".join(parts)


def _duplicate_message(review: HeaderReview) -> str:
    d = review.duplicates[0]
    first, second = column_letter(d.first), column_letter(d.second)
    if d.column is None:
        return say("duplicate_header", first=first, second=second, header=quoted(d.first_text.strip()))
    return say("duplicate_meaning", first=first, second=second, first_header=quoted(d.first_text.strip()),
               second_header=quoted(d.second_text.strip()), header=quoted(d.column.display))


def _chunks(source: RowSource, rest: list[list] | None):
    """The data rows in blocks: the rows read past the header first, then the source's."""
    if rest:
        yield rest
    while True:
        chunk = source.take_block(BATCH_ROWS)  # rows, or Arrow columns (CSV)
        if not chunk:
            return
        yield chunk


def insert_statement(schema: Schema, typed: bool) -> str:
    """The INSERT of one batch (the Arrow table named ``BATCH_NAME``, with its lineage
    columns: see ``_Loader._insert_batch``) into ``raw.<code>``; it has no parameters.

    Values arrive typed as the column (Arrow, see validate.Batch), blanks as NULL:
    DuckDB (``typed``) takes them as they are. Server engines receive the batch as
    text (their register(), costcalc.warehouse.engines), hence the casts."""
    cols = ", ".join(quote(c.name) for c in schema.columns)
    casts = []
    for i, c in enumerate(schema.columns):
        sql_type = {"date": "DATE", "money": "DECIMAL(18,4)", "integer": "BIGINT"}.get(c.type)
        if typed:
            casts.append(f"c{i}")
        else:
            casts.append(f"CAST(c{i} AS {sql_type})" if sql_type else f"NULLIF(CAST(c{i} AS VARCHAR), '')")
    loaded_at = "_loaded_at" if typed else "CAST(_loaded_at AS TIMESTAMP)"
    return (f"INSERT INTO raw.{quote(schema.table)} (_load_id, _source_file, _source_row, _loaded_at, "
            f"_extra, {cols}) SELECT _load_id, _source_file, _source_row, {loaded_at}, _extra, "
            f"{', '.join(casts)} FROM {BATCH_NAME}")


@dataclass
class LoadTally:
    """What a load has counted so far."""
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    shown: list[CellError] = field(default_factory=list)  # the first ERRORS_SHOWN cell errors
    newest: str | None = None  # newest extract-date column value (ISO)
    newest_any: str | None = None  # newest value of any date column but dates of birth (ISO)
    strict_failed: bool = False
    costs_given: int = 0  # accepted rows with a unit cost
    placeholders: dict[str, int] = field(default_factory=dict)  # identity field -> accepted rows with a placeholder

    def count(self, batch: Batch) -> None:
        self.read += batch.rows_read
        self.rejected += batch.rows_rejected
        room = ERRORS_SHOWN - len(self.shown)
        if room > 0 and batch.errors:
            self.shown.extend(batch.errors[:room])

    def accept(self, batch: Batch, schema: Schema) -> None:
        self.accepted += batch.rows_accepted
        self.costs_given += batch.costs_given
        for ident, n in count_placeholders(schema.identity, batch.columns).items():
            self.placeholders[ident] = self.placeholders.get(ident, 0) + n
        edc = schema.extract_date_column
        if edc and edc in batch.max_dates:
            self.newest = max(self.newest or "", batch.max_dates[edc])
        # The newest date of the data, not counting dates of birth (checked against a
        # given extract date: costcalc.ingest.extract_date).
        dates = [v for k, v in batch.max_dates.items() if k != schema.identity.get("dob")]
        if dates:
            self.newest_any = max([self.newest_any or "", *dates])


class BatchInserter:
    """Inserts batches in a helper thread while the main thread reads and checks the
    next one (DuckDB works without holding the GIL). The connection is used by one
    thread at a time: the main thread calls :meth:`wait` before its own SQL."""

    def __init__(self, insert):
        self.insert = insert
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="costcalc-insert")
        self.pending = None

    def submit(self, *args) -> None:
        self.pending = self.pool.submit(self.insert, *args)

    def wait(self) -> None:
        """Wait for the insert under way; its error is raised here."""
        if self.pending is not None:
            done, self.pending = self.pending, None
            done.result()

    def settle(self) -> None:
        """Wait for the insert under way, ignoring its error (the load is failing)."""
        if self.pending is not None:
            self.pending.exception()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)


class ProgressBar:
    """The terminal progress bar of a load, in the source's own units (bytes or rows)."""

    def __init__(self, source: RowSource, label: str):
        import click
        self.source = source
        self.last = 0
        self.bar = click.progressbar(length=source.progress_total, label=label, file=sys.stderr)
        self.bar.render_progress()

    def advance(self) -> None:
        pos = self.source.progress_position()
        self.bar.update(pos - self.last)
        self.last = pos

    def finish(self) -> None:
        self.bar.render_finish()


# --------------------------------------------------------------------- error report

def _write_error_report(warehouse, path: Path, result: LoadResult) -> None:
    """Write ``<file>.errors.csv`` beside the file when the load refused or rejected
    anything, or found headers it does not know; remove a stale one otherwise.

    Its first line is a summary a provider can act on; then one line per problem:
    row, column (the provider's own header), value, problem, and a hint for common
    mistakes (docs/loading.md, "The error report")."""
    report = error_report_path(path)
    if result.status == "unchanged":
        return
    if result.status == "loaded" and result.rows_rejected == 0 and not result.unrecognised:
        try:
            report.unlink()
        except (FileNotFoundError, PermissionError, OSError):
            pass
        return
    if write_error_report(warehouse, result.load_id, report, name=path.name, result=result):
        result.error_report_path = report


def write_error_report(warehouse, load_id: int, report: Path, *, name: str | None = None,
                       result: LoadResult | None = None) -> bool:
    """Write the error report of load ``load_id`` to ``report``: a summary line, then one
    line per problem (``raw.rejected_rows``, and with ``result`` the headers the schema
    does not know). Without ``result`` (a report written again after a crash) the summary
    comes from ``raw.load_log``. False (nothing written) when there is nothing to report
    or the report cannot be written (logged)."""
    con = open_warehouse(path=warehouse)
    try:
        if result is not None:
            status, read, rejected, refusal = result.status, result.rows_read, result.rows_rejected, result.refusal
            unrecognised, headers, header_row = result.unrecognised, result.headers, result.header_row
            source_file, code = result.source_file, result.schema_code
        else:
            logged = con.execute("SELECT status, rows_read, rows_rejected, message, source_file, schema_code "
                                 "FROM raw.load_log WHERE load_id = ?", [load_id]).fetchall()
            if not logged:
                return False
            status, read, rejected, message, source_file, code = logged[0]
            refusal = (message or "").removeprefix(f"{source_file}: ") if status == "rejected" else None
            unrecognised, headers, header_row = [], {}, None
        try:
            schema = get_schema(code) if code else None
        except KeyError:
            schema = None
        cur = con.execute("SELECT source_row, column_name, value, reason FROM raw.rejected_rows "
                          "WHERE load_id = ? ORDER BY source_row NULLS FIRST, rowid", [load_id])
        first = cur.fetchmany(10_000)
        if not first and not unrecognised:
            return False

        def write(fh) -> None:
            w = csv.writer(fh)
            w.writerow(spreadsheet_row([messages.summary(status, read, rejected, refusal,
                                                         [h for h, _ in unrecognised])]))
            w.writerow(REPORT_COLUMNS)
            for header, hint in unrecognised:
                w.writerow(spreadsheet_row([header_row or "", header, "",
                                            say("unrecognised_header"), hint]))
            rows = first
            while rows:
                for r, c, v, reason in rows:
                    if reason.startswith(source_file + ": "):  # a whole-file refusal
                        reason = reason[len(source_file) + 2:]
                    column = _schema_column(schema, c)
                    header = headers.get(c) or (column.display if column else c or "")
                    # every cell escaped: CSV injection (costcalc.safe_output)
                    w.writerow(spreadsheet_row(["" if r is None else r, header, v,
                                                reason, messages.hint(column, v, reason)]))
                rows = cur.fetchmany(10_000)

        # A private temporary name (O_EXCL|O_NOFOLLOW), then a rename over the report's
        # name: a link planted at either name is never written through (docs/watch.md).
        write_atomic_path(report, write, encoding="utf-8-sig", newline="")
        return True
    except OSError as exc:
        log.error("%s: could not write the error report beside the file (%s)", name or report.name,
                  type(exc).__name__)
        return False
    finally:
        con.close()


#: The error report's table header (its second line; the first is the summary).
REPORT_COLUMNS = ["row", "column", "value", "reason", "hint"]


def _schema_column(schema: Schema | None, name: str | None):
    if schema is None or not name:
        return None
    try:
        return schema.column(name)
    except KeyError:
        return None
