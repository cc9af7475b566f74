"""Undoing a load: ``costcalc unload FILE|LOAD_ID --reason TEXT`` (docs/retention.md).

One transaction removes the load's accepted rows (``raw.<code>``) and its
rejected rows (``raw.rejected_rows``), marks its ``raw.load_log`` row
``unloaded`` (the history stays: ``costcalc loads``) and appends who did it,
when and why to ``raw.unload_log``. An exception anywhere rolls all of it back.
Who is the operating-system account, or the database session user on a
server engine, as in the lookup audit: never a name given on the command line.

The next build drops the load's records from every model. A client left with
no record loses its id, which is retired: the client-id ledger
(``int_client_id_assignments``) is append-only and hands out new ids above
every id it ever gave, so the id is never given to anyone else.
"""

from __future__ import annotations

import datetime as _dt
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from costcalc.safe_output import terminal_text

#: A reason has at least this many characters (spaces not counted), ...
MIN_REASON_CHARS = 10
#: ... at least this many different letters or digits, ...
MIN_REASON_DISTINCT = 5
#: ... at least two words, and at most this many characters.
MAX_REASON_CHARS = 500
#: Placeholders, not reasons (compared without spaces, punctuation or case).
PLACEHOLDER_REASONS = frozenset({
    "noreason", "nareason", "notapplicable", "reasonreason", "unloadunload", "testtesttest", "testingtesting",
    "asdfasdfasdf", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghij", "xxxxxxxxxx", "tbctbctbc",
    "nothingreally", "becauseiwantto", "justbecause", "somereason", "placeholder", "loremipsum",
})
#: Keyboard and alphabet runs: a reason that is only part of one is a placeholder.
_RUNS = ("qwertyuiopasdfghjklzxcvbnm", "abcdefghijklmnopqrstuvwxyz", "1234567890")


class UnloadRefused(Exception):
    """Nothing was changed: the reason, the load named, or the moment is not right (the message says)."""


class UnloadFailed(Exception):
    """The warehouse cannot be used now (missing, busy); nothing was changed."""


@dataclass
class UnloadResult:
    unload_id: int
    load_id: int
    source_file: str
    provider: str | None
    status_before: str
    rows_removed: int
    rejected_rows_removed: int
    unloaded_by: str
    unloaded_at: _dt.datetime
    reason: str

    def summary(self) -> str:
        provider = f", provider {self.provider}" if self.provider else ""
        rows = f"{self.rows_removed} accepted row{'s' if self.rows_removed != 1 else ''}"
        rejected = f"{self.rejected_rows_removed} rejected row{'s' if self.rejected_rows_removed != 1 else ''}"
        return terminal_text(
            f"Unloaded load {self.load_id} ({self.source_file}{provider}): {rows} and {rejected} removed; "
            f"recorded as unload {self.unload_id} by {self.unloaded_by}.\n"
            "Run `costcalc build` so that the marts lose its rows (until then they still show them).\n")


def check_reason(reason: str | None) -> str:
    """The reason as it is stored: control characters removed, line breaks and runs of
    spaces made one space; or ``UnloadRefused`` saying why it is not a reason."""
    text = " ".join(terminal_text(reason or "", one_line=True).split())
    compact = "".join(ch for ch in text.lower() if ch.isalnum())
    example = 'e.g. --reason "Loaded into the wrong provider folder, ticket 4411"'
    if not text:
        raise UnloadRefused(f"An unload needs a reason: give --reason, {example}.")
    if len(text) > MAX_REASON_CHARS:
        raise UnloadRefused(f"The reason is too long (at most {MAX_REASON_CHARS} characters).")
    if len(text.replace(" ", "")) < MIN_REASON_CHARS or len(text.split()) < 2:
        raise UnloadRefused(f"The reason is too short: say why this load is undone, in a few words "
                            f"(at least {MIN_REASON_CHARS} characters), {example}.")
    placeholder = compact in PLACEHOLDER_REASONS or any(compact in run for run in _RUNS)
    if len(set(compact)) < MIN_REASON_DISTINCT or placeholder:
        raise UnloadRefused(f"That is not a reason: say why this load is undone, {example}.")
    return text


# --------------------------------------------------------------------------- finding the load

_LOAD_COLUMNS = "load_id, source_file, provider, status, schema_code, loaded_at, sha256"


@dataclass(frozen=True)
class LoadRow:
    load_id: int
    source_file: str
    provider: str | None
    status: str
    schema_code: str | None
    loaded_at: object
    sha256: str


def _sha256_of(path: Path) -> str:
    from costcalc.ingest.landing import file_sha256

    return file_sha256(path)


def _label(what: str) -> str:
    return terminal_text(what, one_line=True)


def find_load(con, what: str) -> LoadRow:
    """The load named by ``what``: a file (its contents, by SHA-256: the name it has now
    does not matter), a load id, or a file name as dropped. ``UnloadRefused`` with one line
    when it names no load, several, or one already unloaded."""
    text = str(what or "").strip()
    if not text:
        raise UnloadRefused("Name the load to undo: a file, or a load id (`costcalc loads` lists them).")
    path = Path(text).expanduser()
    try:
        st = os.lstat(path)
    except (OSError, ValueError):
        st = None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise UnloadRefused(f"{_label(text)} is a symbolic link: give the file itself, or the load id.")
    if st is not None and stat.S_ISREG(st.st_mode):
        rows = _loads(con, "sha256 = ?", [_sha256_of(path)])
        if not rows:
            raise UnloadRefused(f"{_label(path.name)} was never loaded (no load has its contents); "
                                "`costcalc loads` lists the loads (give a load id to name one).")
        return _one(rows, f"the contents of {_label(path.name)}")
    if text.isdigit():
        rows = _loads(con, "load_id = ?", [int(text)])
        if not rows:
            raise UnloadRefused(f"There is no load {_label(text)}; `costcalc loads` lists the loads.")
        return _one(rows, f"load {text}")
    rows = _loads(con, "source_file = ?", [path.name])
    if not rows:
        raise UnloadRefused(f"No load of a file named {_label(path.name)} (and no such file here); "
                            "`costcalc loads` lists the loads.")
    return _one(rows, f"the name {_label(path.name)}")


def _loads(con, where: str, params: list) -> list[LoadRow]:
    rows = con.execute(f"SELECT {_LOAD_COLUMNS} FROM raw.load_log WHERE {where} ORDER BY load_id",
                       params).fetchall()
    return [LoadRow(int(r[0]), *r[1:]) for r in rows]


def _one(rows: list[LoadRow], named: str) -> LoadRow:
    live = [r for r in rows if r.status != "unloaded"]
    if len(live) == 1:
        return live[0]
    if not live:
        last = rows[-1]
        raise UnloadRefused(f"Load {last.load_id} ({_label(last.source_file)}) was already unloaded; "
                            "nothing to do (`costcalc loads --status unloaded` shows who and when).")
    ids = ", ".join(str(r.load_id) for r in live)
    raise UnloadRefused(f"{named[0].upper() + named[1:]} matches {len(live)} loads ({ids}): give the load id "
                        "(`costcalc loads` shows them).")


# --------------------------------------------------------------------------- a build running


def build_running(con) -> tuple | None:
    """(build_id, pid) of a build recorded as running by a live process, or None."""
    from costcalc.transform.build_state import _pid_alive

    have = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                       "AND table_name = 'build_log'").fetchall()[0][0]
    if not have:
        return None
    for build_id, pid in con.execute("SELECT build_id, pid FROM raw.build_log WHERE status = 'running' "
                                     "ORDER BY build_id").fetchall():
        if pid and int(pid) != os.getpid() and _pid_alive(pid):
            return int(build_id), int(pid)
    return None


# --------------------------------------------------------------------------- the unload


def _open(warehouse, wait_seconds: float):
    import duckdb

    from costcalc.warehouse.connection import WarehouseBusy, ensure_raw, open_warehouse
    from costcalc.warehouse.targets import EngineError, is_server

    path = Path(warehouse)
    if not is_server() and not path.exists():  # an unload never creates a warehouse
        raise UnloadFailed(f"No warehouse at {path}: nothing was ever loaded there.")
    try:
        con = open_warehouse(path=path, wait_seconds=wait_seconds)
    except EngineError as exc:
        raise UnloadFailed(str(exc)) from None
    except (WarehouseBusy, duckdb.IOException) as exc:
        raise UnloadFailed(f"The warehouse {path.name} is in use (a load or build running?); nothing was "
                           "unloaded. Try again when it has finished.") from exc
    try:
        ensure_raw(con)  # the governance tables, on a warehouse made before them
    except BaseException:
        con.close()
        raise
    return con


def unload(warehouse, what: str, reason: str | None, *, wait_seconds: float = 10.0) -> UnloadResult:
    """Undo the load ``what`` names (see :func:`find_load`), for ``reason``. Raises
    ``UnloadRefused`` (nothing changed: a bad reason is refused before the warehouse is
    opened) or ``UnloadFailed``."""
    from costcalc.lookup import audited_user
    from costcalc.warehouse.connection import transaction

    reason_text = check_reason(reason)
    con = _open(warehouse, wait_seconds)
    try:
        running = build_running(con)
        if running:
            raise UnloadRefused(f"Build {running[0]} is running (process {running[1]}): nothing was unloaded. "
                                "Try again when it has finished (`costcalc status`).")
        load = find_load(con, what)
        who = audited_user(con)
        with transaction(con):
            return _unload_in_transaction(con, load, who, reason_text)
    finally:
        con.close()


def _unload_in_transaction(con, load: LoadRow, who: str, reason: str) -> UnloadResult:
    # Read again inside the transaction: an unload of the same load committed meanwhile wins.
    now_status = con.execute("SELECT status FROM raw.load_log WHERE load_id = ?", [load.load_id]).fetchall()
    if not now_status or now_status[0][0] == "unloaded":
        raise UnloadRefused(f"Load {load.load_id} was already unloaded; nothing to do.")
    rows = _remove_accepted_rows(con, load.load_id)
    rejected = _remove_rejected_rows(con, load.load_id)
    con.execute("UPDATE raw.load_log SET status = 'unloaded' WHERE load_id = ?", [load.load_id]).fetchall()
    at = _dt.datetime.now().replace(microsecond=0)
    unload_id = _record(con, load, who, reason, at, rows, rejected)
    return UnloadResult(unload_id, load.load_id, load.source_file, load.provider, load.status, rows, rejected,
                        who, at, reason)


def _count_and_delete(con, table: str, column: str, load_id: int) -> int:
    n = int(con.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", [load_id]).fetchall()[0][0])
    if n:
        con.execute(f"DELETE FROM {table} WHERE {column} = ?", [load_id]).fetchall()
    return n


def _remove_accepted_rows(con, load_id: int) -> int:
    """Delete the load's rows from every raw.<code> table (a load lands in one, but the
    registry may have changed since): the number removed."""
    from costcalc.schemas import load_schemas
    from costcalc.warehouse.raw_layer import quote

    return sum(_count_and_delete(con, f"raw.{quote(s.table)}", "_load_id", load_id)
               for s in load_schemas().values())


def _remove_rejected_rows(con, load_id: int) -> int:
    return _count_and_delete(con, "raw.rejected_rows", "load_id", load_id)


def _record(con, load: LoadRow, who: str, reason: str, at: _dt.datetime, rows: int, rejected: int) -> int:
    """Append the unload to raw.unload_log (inside the unload's transaction); its id."""
    unload_id = int(con.execute("SELECT coalesce(max(unload_id), 0) + 1 FROM raw.unload_log").fetchall()[0][0])
    con.execute("INSERT INTO raw.unload_log (unload_id, load_id, source_file, provider, unloaded_at, unloaded_by, "
                "reason, rows_removed, rejected_rows_removed, after_build) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [unload_id, load.load_id, load.source_file, load.provider, at, who, reason, rows,
                 rejected, _newest_build(con)]).fetchall()
    return unload_id


def _newest_build(con) -> int:
    """The newest build started so far (0 if none): a build with a higher id reflects this
    unload (``costcalc status`` says a build is owed until one is published)."""
    have = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                       "AND table_name = 'build_log'").fetchall()[0][0]
    if not have:
        return 0
    return int(con.execute("SELECT coalesce(max(build_id), 0) FROM raw.build_log").fetchall()[0][0])
