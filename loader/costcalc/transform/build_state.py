"""The build log (``raw.build_log``): which builds ran, which was published,
what failed, and whether a build is owed. ``costcalc status`` reads it.

One row per build: ``running`` while dbt runs (a row left ``running`` by a
process that no longer exists was interrupted, e.g. by kill -9), then
``published``, ``failed`` (with the failing models), ``interrupted`` or
``built`` (a ``--select`` build, never published). Nothing personal is
stored: model names, counts, dates, file names, and error messages with
quoted values blanked out.

The last *published* build is read from the snapshot itself
(``marts.build_info``), so it is right even if a build was killed between
publishing and writing its log row.

Spark's parquet tables cannot be updated, so there the log is append-only: a
build's outcome is a second row with the same ``build_id`` (the ``running``
row stays). Readers take a build's finished row over its ``running`` row
(:func:`_latest_per_build`), which reads one row per build on the other engines.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

BUILD_LOG_DDL = """
CREATE TABLE IF NOT EXISTS raw.build_log (
    build_id BIGINT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR(20) NOT NULL,
    pid BIGINT,
    last_load_id BIGINT,
    failed_models VARCHAR(4000),
    message VARCHAR(4000)
)"""


def _connect(warehouse, wait_seconds: float = 30.0):
    from costcalc.warehouse.connection import ensure_raw, open_warehouse

    con = open_warehouse(path=warehouse, wait_seconds=wait_seconds)
    ensure_raw(con)
    con.execute(BUILD_LOG_DDL)
    return con


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def safe_message(text: str | None) -> str | None:
    """An error message without quoted values (they could be personal data)."""
    if not text:
        return None
    text = re.sub(r"'[^']*'", "'…'", str(text).splitlines()[0])
    return text[:500]


def _last_load_id(con) -> int | None:
    return con.execute("SELECT max(load_id) FROM raw.load_log WHERE status = 'loaded'").fetchall()[0][0]


def start(warehouse) -> tuple[int, int | None]:
    """Record a build starting; return its id and the newest load it includes."""
    from costcalc.warehouse.connection import transaction

    con = _connect(warehouse)
    try:
        with transaction(con):
            build_id = int(con.execute("SELECT coalesce(max(build_id), 0) + 1 FROM raw.build_log").fetchall()[0][0])
            last = _last_load_id(con)
            con.execute("INSERT INTO raw.build_log (build_id, started_at, status, pid, last_load_id) "
                        "VALUES (?, ?, 'running', ?, ?)", [build_id, _now(), os.getpid(), last])
        return build_id, (int(last) if last is not None else None)
    finally:
        con.close()


def _append_only(con) -> bool:
    """Whether the build log is append-only here (Spark: no UPDATE on parquet tables)."""
    return getattr(con, "dialect", None) == "spark"


def _append_outcome(con, build_id: int, status: str, failed: str | None, message: str | None,
                    only_if_running: bool) -> None:
    """Spark: record a build's outcome as a row of its own beside its ``running`` row."""
    rows = con.execute("SELECT status, started_at, pid, last_load_id FROM raw.build_log WHERE build_id = ?",
                       [build_id]).fetchall()
    running = [r for r in rows if r[0] == "running"]
    if not running or (only_if_running and len(rows) > len(running)):
        return
    _, started, pid, last = running[0]
    con.execute("INSERT INTO raw.build_log (build_id, started_at, finished_at, status, pid, last_load_id, "
                "failed_models, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [build_id, started, _now(), status, pid, last, failed, message])


def finish(warehouse, build_id: int, status: str, *, failed_models: list[str] | None = None,
           message: str | None = None) -> None:
    con = _connect(warehouse)
    try:
        failed, message = ", ".join(failed_models or []) or None, safe_message(message)
        if _append_only(con):
            _append_outcome(con, build_id, status, failed, message, only_if_running=False)
        else:
            con.execute("UPDATE raw.build_log SET finished_at = ?, status = ?, failed_models = ?, message = ? "
                        "WHERE build_id = ?", [_now(), status, failed, message, build_id])
    finally:
        con.close()


def finish_quietly(warehouse, build_id: int, status: str) -> None:
    """Best effort (an interruption is being handled): never raises."""
    try:
        from costcalc.transform.build import release_warehouse

        release_warehouse()
        con = _connect(warehouse, wait_seconds=5.0)
        try:
            if _append_only(con):
                _append_outcome(con, build_id, status, None, None, only_if_running=True)
            else:
                con.execute("UPDATE raw.build_log SET finished_at = ?, status = ? WHERE build_id = ? "
                            "AND status = 'running'", [_now(), status, build_id])
        finally:
            con.close()
    except BaseException:  # noqa: BLE001 - the row stays 'running'; status reports it interrupted
        pass


# --------------------------------------------------------------------------- reading


@dataclass
class Status:
    """What ``costcalc status`` shows. Nothing personal."""

    published_build: int | None = None
    published_at: dt.datetime | None = None
    published_last_load: int | None = None
    loads_since: list[tuple] = field(default_factory=list)  # (load_id, source_file, file_type, extract_date, loaded_at)
    running: tuple | None = None  # (build_id, started_at, pid)
    last_attempt: tuple | None = None  # (build_id, status, finished_at, failed_models, message) after the publish
    extract_dates: list[tuple] = field(default_factory=list)  # (file_type, latest extract date, files)
    busy: bool = False  # another process holds the warehouse (a load or build running)
    #: loads undone (costcalc unload) since the published build started: (load_id, source_file, unloaded_at)
    unloads_since: list[tuple] = field(default_factory=list)

    @property
    def owed(self) -> bool:
        return self.published_build is None or bool(self.loads_since) or bool(self.unloads_since) or (
            self.last_attempt is not None and self.last_attempt[1] in ("failed", "interrupted"))


def _latest_per_build(rows) -> list[tuple]:
    """One row per build (rows start with build_id, status), in build order: a
    finished row wins over the build's ``running`` row (Spark's append-only log)."""
    latest: dict = {}
    for row in rows:
        if row[0] not in latest or latest[row[0]][1] == "running":
            latest[row[0]] = tuple(row)
    return [latest[k] for k in sorted(latest)]


def _pid_alive(pid) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def published_info(warehouse) -> tuple | None:
    """(build_id, published_at, last_load_id) of the published snapshot, or None."""
    from costcalc.warehouse.targets import is_server

    try:
        if is_server():
            from costcalc.warehouse.engines import server_connection

            con = server_connection()
        else:
            import duckdb

            from costcalc.transform.publish import published_path

            path = published_path(warehouse)
            if not path.exists():
                return None
            con = duckdb.connect(str(path), read_only=True)
        try:
            rows = con.execute("SELECT build_id, published_at, last_load_id FROM marts.build_info").fetchall()
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - nothing published yet
        return None
    return tuple(rows[0]) if rows else None


def read_status(warehouse, wait_seconds: float = 30.0) -> Status:
    st = Status()
    pub = published_info(warehouse)
    if pub:
        st.published_build, st.published_at, st.published_last_load = pub
    from costcalc.warehouse.targets import is_server

    if not is_server() and not Path(warehouse).exists():
        return st
    from costcalc.warehouse.connection import WarehouseBusy

    try:
        con = _connect(warehouse, wait_seconds=wait_seconds)
    except WarehouseBusy:
        st.busy = True
        return st
    try:
        since = st.published_last_load if st.published_last_load is not None else 0
        st.loads_since = [tuple(r) for r in con.execute(
            "SELECT load_id, source_file, file_type, extract_date, loaded_at FROM raw.load_log "
            "WHERE status = 'loaded' AND load_id > ? ORDER BY load_id", [since]).fetchall()]
        rows = _latest_per_build(con.execute(
            "SELECT build_id, status, started_at, finished_at, pid, failed_models, message "
            "FROM raw.build_log WHERE build_id > ? ORDER BY build_id", [st.published_build or 0]).fetchall())
        for build_id, status, started, finished, pid, failed, message in rows:
            if status == "running":
                if _pid_alive(pid) and pid != os.getpid():
                    st.running = (build_id, started, pid)
                    continue
                status, finished = "interrupted", None
            if status in ("failed", "interrupted", "published"):
                st.last_attempt = (build_id, status, finished or started, failed, message)
        st.unloads_since = _unloads_since(con, st.published_build)
        st.extract_dates = [tuple(r) for r in con.execute(
            "SELECT file_type, max(extract_date), count(*) FROM raw.load_log WHERE status = 'loaded' "
            "AND file_type IS NOT NULL GROUP BY file_type ORDER BY file_type").fetchall()]
    finally:
        con.close()
    return st


def _unloads_since(con, published_build: int | None) -> list[tuple]:
    """Unloads (raw.unload_log, docs/retention.md) the published snapshot does not reflect:
    those made after the published build started (an unload records the newest build
    started before it)."""
    if published_build is None:
        return []
    return [tuple(r) for r in con.execute(
        "SELECT load_id, source_file, unloaded_at FROM raw.unload_log WHERE coalesce(after_build, 0) >= ? "
        "ORDER BY unload_id", [published_build]).fetchall()]


def likely_files(st: Status, limit: int = 5) -> str:
    """The files loaded since the last published build: the likely cause of a failure."""
    names = [r[1] for r in st.loads_since]
    if not names:
        return "none (no file was loaded since the last published build)"
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[-limit:]) + more


def owed_note(warehouse) -> str:
    """The lines a failed build adds: the previous snapshot stays; a build is owed;
    the likely file."""
    st = read_status(warehouse)
    kept = f"build {st.published_build}" if st.published_build else "nothing (no build has been published yet)"
    return (f"not published: readers keep {kept}; a build is owed (`costcalc status`)\n"
            f"  likely file (loaded since the last published build): {likely_files(st)}")
