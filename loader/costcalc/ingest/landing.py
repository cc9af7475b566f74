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

import duckdb
import pandas as pd
import pyarrow as pa

from costcalc.ingest.readers import ReadError, RowSource, open_rows
from costcalc.schemas import FileType, Schema, get_schema, load_file_types, load_schemas
from costcalc.ingest.validate import HEADER_SCAN_ROWS, Batch, BatchValidator, CellError, HeaderMatch, find_header
from costcalc.warehouse.connection import ensure_raw, insert_from, next_load_id, open_warehouse, quote

log = logging.getLogger(__name__)

#: Rows validated and inserted per batch (memory stays flat in file size).
BATCH_ROWS = 50_000
#: How many cell errors a LoadResult carries for display (all go to the report and the table).
ERRORS_SHOWN = 20

WITHHELD = "value withheld: personal data; see the error report"

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


def describe_error(e: CellError) -> str:
    """One cell error as a line safe for a terminal or a log: the value of a
    personal column is withheld."""
    where = f"row {e.row}" if e.row else "file"
    col = f", column {e.column}" if e.column else ""
    if e.value is None or e.value == "":
        shown = ""
    elif e.personal:
        shown = f" ({WITHHELD})"
    else:
        shown = f" (value {e.value!r})"
    return f"{where}{col}: {e.reason}{shown}"


def error_report_path(path: str | os.PathLike) -> Path:
    """Where the provider-facing error report for ``path`` is written: ``<file name>.errors.csv``."""
    p = Path(path)
    return p.with_name(p.name + ".errors.csv")


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
    """A whole-file rejection (before any row is inserted)."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


def load_file(warehouse: str | os.PathLike, path: str | os.PathLike, *, schema: str | None = None,
              file_type: str | None = None, provider: str | None = None,
              extract_date: _dt.date | str | None = None, strict: bool = False,
              progress: bool = False) -> LoadResult:
    """Validate ``path`` and land its accepted rows in ``raw.<code>`` (see the module doc)."""
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
        loader.open()
        sha = loader.sha = hashing.result()
        con = opening.result()
        prior = con.execute(
            "SELECT load_id, loaded_at, schema_code, file_type FROM raw.load_log "
            "WHERE sha256 = ? AND status = 'loaded' ORDER BY load_id LIMIT 1", [sha]).fetchall()
        prior = prior[0] if prior else None
        if prior:
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
        self.started = _dt.datetime.now().replace(microsecond=0)

    # -------------------------------------------------------------- options
    def _resolve_arguments(self) -> None:
        if self.file_type_arg:
            types = load_file_types()
            ft = types.get(self.file_type_arg)
            if ft is None:
                raise _Rejected(f"{self.name}: unknown file type {self.file_type_arg!r} "
                                f"(known: {', '.join(types)})")
            self.file_type = ft
            if self.schema_arg and self.schema_arg.upper() != ft.schema_code:
                raise _Rejected(f"{self.name}: file type {ft.file_type} uses schema {ft.schema_code}, "
                                f"not {self.schema_arg.upper()}")
            self.schema = get_schema(ft.schema_code)
        elif self.schema_arg:
            try:
                self.schema = get_schema(self.schema_arg)
            except KeyError:
                raise _Rejected(f"{self.name}: unknown schema {self.schema_arg!r} "
                                f"(known: {', '.join(load_schemas())})") from None

    def _check_provider(self) -> None:
        ft = self.file_type
        if ft is None:
            self.file_type = ft = default_file_type(self.schema.code)
        if ft is not None and self.provider is not None and not ft.allows(self.provider):
            raise _Rejected(f"{self.name}: provider {self.provider!r} is not allowed to send file type "
                            f"{ft.file_type} (allowed: {', '.join(ft.allowed_providers)})")

    def _header(self, source: RowSource) -> tuple[HeaderMatch, list[list]]:
        head = source.take(HEADER_SCAN_ROWS)
        if not any(any(c not in (None, "") and not (isinstance(c, str) and not c.strip()) for c in r)
                   for r in head):
            raise _Rejected(f"{self.name}: the file has no rows (the first sheet is empty)"
                            if source.kind == "xlsx" else f"{self.name}: the file has no rows")
        match = find_header(head, self.schema)
        hint = ""
        if source.kind == "csv" and any(len(r) == 1 and isinstance(r[0], str) and (";" in r[0] or "\t" in r[0])
                                        for r in head):
            hint = "; the file looks separated by semicolons or tabs: save it as 'CSV (comma delimited)'"
        if match is None:
            target = f"schema {self.schema.code}" if self.schema else "any schema"
            raise _Rejected(f"{self.name}: no header row found in the first {HEADER_SCAN_ROWS} rows "
                            f"(no column name of {target} appears){hint}")
        header_row = source.first_row + match.row_index
        if not match.fits:
            missing = ", ".join(match.missing)
            s = match.schema
            if self.schema is not None:
                msg = (f"{self.name}: the headers do not fit schema {s.code} ({s.name}): "
                       f"missing mandatory columns: {missing}")
            else:
                msg = (f"{self.name}: the headers fit no schema; the closest is {s.code} ({s.name}), "
                       f"header row {header_row}, missing mandatory columns: {missing}")
            raise _Rejected(msg + hint, header_row)
        self.schema = match.schema
        return match, head[match.row_index + 1:]

    def _check_merged(self, source: RowSource, header_row: int) -> None:
        bad = [m for m in source.merged if m[2] >= header_row]
        if bad:
            from openpyxl.utils import get_column_letter

            r1, c1, r2, c2 = bad[0]
            ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
            more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
            raise _Rejected(f"{self.name}: the sheet has merged cells in the header or data rows "
                            f"({ref}{more}); unmerge them and fill in every cell", header_row)

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
            self._check_merged(self.source, self.header_row)
        except ReadError as exc:
            self.rejection = (str(exc), None)
        except _Rejected as exc:
            self.rejection = (str(exc), exc.row)

    def run(self, con) -> LoadResult:
        self.con = con
        try:
            if self.rejection is not None:
                return self._reject_file(*self.rejection)
            return self._load(self.source, self.match, self.rest, self.header_row + 1)
        except ReadError as exc:
            return self._reject_file(str(exc))
        except _Rejected as exc:
            return self._reject_file(str(exc), exc.row)
        finally:
            self.close()

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None

    def _reject_file(self, message: str, row: int | None = None) -> LoadResult:
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            load_id = next_load_id(con)
            con.execute("INSERT INTO raw.rejected_rows (load_id, source_file, source_row, reason) "
                        "VALUES (?, ?, ?, ?)",
                        [load_id, self.name, row, message]).fetchall()
            self._log_row(load_id, "rejected", 0, 0, 0, message, None)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return LoadResult(load_id, "rejected", self.schema.code if self.schema else None,
                          self.file_type.file_type if self.file_type else None, self.name,
                          0, 0, 0, message, None,
                          [CellError(row or 0, "", None, message.split(": ", 1)[-1])])

    def _log_row(self, load_id, status, read, accepted, rejected, message, extract_date) -> None:
        self.con.execute(
            "INSERT INTO raw.load_log (load_id, source_file, sha256, schema_code, file_type, provider, "
            "extract_date, rows_read, rows_accepted, rows_rejected, status, message, loaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, self.name, self.sha, self.schema.code if self.schema else None,
             self.file_type.file_type if self.file_type else None, self.provider, extract_date,
             read, accepted, rejected, status, message, self.started]).fetchall()

    def _load(self, source: RowSource, match: HeaderMatch, rest: list[list], first_data_row: int) -> LoadResult:
        con, schema = self.con, self.schema
        validator = BatchValidator(match)
        cols = ", ".join(quote(c.name) for c in schema.columns)
        typed = isinstance(con, duckdb.DuckDBPyConnection)
        casts = []
        for i, c in enumerate(schema.columns):
            sql_type = {"date": "DATE", "money": "DECIMAL(18,4)", "integer": "BIGINT"}.get(c.type)
            # Values arrive typed as the column (Arrow, see validate.Batch), blanks as NULL:
            # DuckDB takes them as they are. Server engines receive the batch as text
            # (their register(), costcalc.warehouse.engines), hence the casts.
            if typed:
                casts.append(f"c{i}")
            else:
                casts.append(f"CAST(c{i} AS {sql_type})" if sql_type else f"NULLIF(CAST(c{i} AS VARCHAR), '')")
        loaded_at = "_loaded_at" if typed else "CAST(_loaded_at AS TIMESTAMP)"
        insert_sql = (f"INSERT INTO raw.{quote(schema.table)} (_load_id, _source_file, _source_row, _loaded_at, "
                      f"_extra, {cols}) SELECT _load_id, _source_file, _source_row, {loaded_at}, _extra, "
                      f"{', '.join(casts)} FROM {BATCH_NAME}")

        read = accepted = rejected = 0
        shown: list[CellError] = []
        newest: str | None = None
        strict_failed = False
        bar = self._progress_bar(source)
        # A batch is inserted by a helper thread while the main thread reads and checks
        # the next one (DuckDB works without holding the GIL). The connection is used by
        # one thread at a time: the main thread waits for the insert before its own SQL.
        inserter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="costcalc-insert")
        pending = None

        def wait() -> None:
            nonlocal pending
            if pending is not None:
                done, pending = pending, None
                done.result()

        con.execute("BEGIN TRANSACTION")
        try:
            load_id = next_load_id(con)
            row_no = first_data_row
            last_pos = 0
            while True:
                if rest:
                    chunk, rest = rest, None
                else:
                    chunk = source.take_block(BATCH_ROWS)  # rows, or Arrow columns (CSV)
                if not chunk:
                    break
                batch = validator.process(chunk, row_no)
                wait()
                row_no += len(chunk)
                read += batch.rows_read
                rejected += batch.rows_rejected
                if batch.errors:
                    self._insert_errors(load_id, batch.errors)
                    room = ERRORS_SHOWN - len(shown)
                    if room > 0:
                        shown.extend(batch.errors[:room])
                    if self.strict and not strict_failed:
                        strict_failed = True
                        con.execute(f"DELETE FROM raw.{quote(schema.table)} WHERE _load_id = ?",
                                [load_id]).fetchall()
                if not strict_failed and batch.rows_accepted:
                    pending = inserter.submit(self._insert_batch, insert_sql, load_id, batch)
                    accepted += batch.rows_accepted
                    edc = schema.extract_date_column
                    if edc and edc in batch.max_dates:
                        newest = max(newest or "", batch.max_dates[edc])
                if bar is not None and source.progress_position is not None:
                    pos = source.progress_position()
                    bar.update(pos - last_pos)
                    last_pos = pos
            wait()
            # A streamed sheet reports its merged cells only once all its rows are read.
            self._check_merged(source, first_data_row - 1)
            if strict_failed:
                accepted = 0
                status = "rejected"
                message = (f"{self.name}: rejected whole (--strict): {rejected} of {read} rows have "
                           f"errors; nothing loaded")
                extract = None
            else:
                status = "loaded"
                extract = (_dt.date.fromisoformat(newest) if newest else
                           self.extract_date or self.started.date())
                message = f"{self.name}: loaded {accepted} of {read} rows into raw.{schema.table}"
                if rejected:
                    message += f"; {rejected} row{'s' if rejected != 1 else ''} rejected"
                if read == 0:
                    message += " (the file has a header but no data rows)"
            self._log_row(load_id, status, read, accepted, rejected, message, extract)
            con.execute("COMMIT")
        except BaseException:
            try:
                if pending is not None:  # let the insert finish: the connection is one thread's
                    pending.exception()
                con.execute("ROLLBACK")
            except Exception:
                pass
            raise
        finally:
            inserter.shutdown(wait=True)
            if bar is not None:
                bar.render_finish()
        return LoadResult(load_id, status, schema.code,
                          self.file_type.file_type if self.file_type else None, self.name,
                          read, accepted, rejected, message, None, shown)

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

    def _progress_bar(self, source: RowSource):
        if not self.progress or not sys.stderr.isatty():
            return None
        import click
        length = source.progress_total
        if not length or source.progress_position is None:
            return None
        bar = click.progressbar(length=length, label=f"loading {self.name}", file=sys.stderr)
        bar.render_progress()
        return bar


# --------------------------------------------------------------------- error report

_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _report_cell(value: str | None) -> str:
    """A value as written to the provider-facing CSV: text that a spreadsheet would
    run as a formula is prefixed with an apostrophe (CSV injection)."""
    if value is None:
        return ""
    if value.startswith(_FORMULA_START) or (value.startswith("-") and not _looks_numeric(value)):
        return "'" + value
    return value


def _looks_numeric(value: str) -> bool:
    try:
        float(value.replace(",", "").replace("£", ""))
        return True
    except ValueError:
        return False


def _write_error_report(warehouse, path: Path, result: LoadResult) -> None:
    """Write ``<file>.errors.csv`` (row, column, value, reason) beside the file when the
    load rejected anything; remove a stale one when it did not."""
    report = error_report_path(path)
    if result.status == "unchanged":
        return
    if result.status == "loaded" and result.rows_rejected == 0:
        try:
            report.unlink()
        except (FileNotFoundError, PermissionError, OSError):
            pass
        return
    con = open_warehouse(path=warehouse)
    tmp = report.with_name("." + report.name + ".tmp")
    try:
        cur = con.execute("SELECT source_row, column_name, value, reason FROM raw.rejected_rows "
                          "WHERE load_id = ? ORDER BY source_row NULLS FIRST, rowid", [result.load_id])
        with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["row", "column", "value", "reason"])
            while True:
                rows = cur.fetchmany(10_000)
                if not rows:
                    break
                for r, c, v, reason in rows:
                    w.writerow(["" if r is None else r, c or "", _report_cell(v), reason])
        os.replace(tmp, report)
        result.error_report_path = report
    except OSError as exc:
        log.warning("%s: could not write the error report beside the file (%s)", path.name,
                    type(exc).__name__)
        try:
            tmp.unlink()
        except OSError:
            pass
    finally:
        con.close()
