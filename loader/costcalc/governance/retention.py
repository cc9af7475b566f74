"""Retention: ``costcalc purge`` removes personal data kept outside the warehouse's raw
and restricted layers once its retention period (costcalc.yml ``retention:``) is
over (docs/retention.md).

What it removes, by kind:

- ``loaded_file`` / ``rejected_file``: files in a watched folder's
  ``<provider>/loaded/`` and ``<provider>/rejected/`` (sidecars and links
  included: a link is removed itself, never followed);
- ``error_report``: the ``*.errors.csv`` beside them;
- ``rejected_values``: the values in ``raw.rejected_rows`` (blanked, and
  blanked where the reason quotes them; the row number, column and reason
  stay, so the load history and its counts stay);
- ``audit_log``: rows of the audit logs (lookups, match decisions, unloads).

A file's age is the time since it arrived in ``loaded/`` or ``rejected/``
(the later of its inode change time, which a move sets, and its modification
time); a row's is the time of its load, or of the audited act. Folders are
opened one by one without following links (costcalc.safefs): a link in place
of a provider's ``loaded/`` is skipped and said so.

Output names kinds, provider folders, counts and ages, never a file name or a
value. Each purge that is not a dry run is recorded in ``raw.purge_log`` and
``raw.purged_items`` (counts by kind, place and load), in the same
transaction as the rows it blanks or deletes.
"""

from __future__ import annotations

import datetime as _dt
import os
import stat
from dataclasses import dataclass, field
from contextlib import contextmanager
from pathlib import Path

from costcalc.durations import describe_age
from costcalc.safe_output import terminal_text
from costcalc.settings import RETENTION_KINDS, RetentionSettings, load_settings

#: The audit logs the ``audit_logs`` period applies to: (schema, table, time column).
AUDIT_TABLES = (("audit", "lookup_log", "looked_up_at"), ("audit", "match_log", "decided_at"),
                ("audit", "exact_report_log", "run_at"), ("raw", "unload_log", "unloaded_at"))
#: How each kind is named in the output.
KIND_LABELS = {"loaded_file": "loaded files", "rejected_file": "rejected files", "error_report": "error reports",
               "rejected_values": "rejected values", "audit_log": "audit log rows"}
#: The settings (costcalc.yml retention:) of each kind.
KIND_SETTING = {"loaded_file": "loaded_files", "rejected_file": "rejected_files", "error_report": "error_reports",
                "rejected_values": "rejected_values", "audit_log": "audit_logs"}
#: The watched folder's folders that purge looks in (costcalc.watch.names).
LOADED, REJECTED = "loaded", "rejected"


class PurgeFailed(Exception):
    """The purge could not run (no warehouse, busy); nothing was removed."""


@dataclass
class PurgedGroup:
    """Items of one kind, in one place (a provider folder or a table), of one load (or none)."""

    kind: str
    place: str
    load_id: int | None
    items: int
    oldest_at: _dt.datetime | None


@dataclass
class PurgeResult:
    dry_run: bool
    now: _dt.datetime
    settings: RetentionSettings
    folders: list[Path] = field(default_factory=list)
    groups: list[PurgedGroup] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what was not looked at, and why (no names of files)
    purge_id: int | None = None

    def total(self, kind: str | None = None) -> int:
        return sum(g.items for g in self.groups if kind is None or g.kind == kind)

    def summary(self) -> str:
        """What was (or, in a dry run, would be) removed: kinds, places, counts and ages."""
        head = ("Purge dry run: nothing was removed; this is what a purge would remove now."
                if self.dry_run else
                f"Purge {self.purge_id}: removed what had outlived its retention period "
                "(recorded in raw.purge_log).")
        lines = [head]
        if not self.folders:
            lines.append("  No watched folder given (--folder DIR): files were not looked at.")
        for kind in KIND_LABELS:
            setting = KIND_SETTING[kind]
            kept = self.settings.text(setting)
            groups = [g for g in self.groups if g.kind == kind]
            label = f"  {KIND_LABELS[kind]} (kept {kept}):"
            if not groups:
                lines.append(f"{label} none")
                continue
            by_place: dict[str, list[PurgedGroup]] = {}
            for g in groups:
                by_place.setdefault(g.place, []).append(g)
            parts = []
            for place, gs in sorted(by_place.items()):
                n = sum(g.items for g in gs)
                oldest = min((g.oldest_at for g in gs if g.oldest_at is not None), default=None)
                age = f", oldest {describe_age(self.now - oldest)}" if oldest is not None else ""
                loads = {g.load_id for g in gs if g.load_id is not None}
                unit = ""
                if kind in ("rejected_values", "audit_log"):
                    unit = f" row{'s' if n != 1 else ''}"
                if kind == "rejected_values":
                    unit += f" of {len(loads)} load{'s' if len(loads) != 1 else ''}"
                parts.append(f"{place}: {n}{unit}{age}")
            lines.append(f"{label} {'; '.join(parts)}")
        lines += [f"  skipped: {s}" for s in self.skipped]
        return terminal_text("\n".join(lines)) + "\n"


def _local_now() -> _dt.datetime:
    return _dt.datetime.now().replace(microsecond=0)


# --------------------------------------------------------------------------- files


@dataclass
class _FileDue:
    provider: str
    folder: str
    name: str
    kind: str
    arrived: _dt.datetime
    is_link: bool


def _file_kind(folder: str, name: str) -> str:
    from costcalc.ingest.landing import is_error_report

    if is_error_report(name):
        return "error_report"
    return "loaded_file" if folder == LOADED else "rejected_file"


def _arrived(st: os.stat_result) -> _dt.datetime:
    """When an entry arrived where it is: the later of its inode change time (set by the
    move into loaded/ or rejected/) and its modification time."""
    return _dt.datetime.fromtimestamp(max(st.st_mtime, st.st_ctime)).replace(microsecond=0)


def files_due(root: Path, settings: RetentionSettings, now: _dt.datetime, skipped: list[str]) -> list[_FileDue]:
    """The entries of ``root/<provider>/loaded|rejected/`` older than their kind's period.
    Never follows a link: a provider folder, ``loaded/`` or ``rejected/`` that is a link is
    skipped (and said so in ``skipped``); folders inside them are left alone."""
    from costcalc.safefs import UnsafePath, opened_dir

    cutoffs = {kind: now - settings.period(KIND_SETTING[kind])
               for kind in ("loaded_file", "rejected_file", "error_report")}
    due: list[_FileDue] = []
    try:
        with opened_dir(root) as rfd, os.scandir(rfd) as it:
            providers = sorted(e.name for e in it if e.is_dir(follow_symlinks=False) and not e.name.startswith("."))
    except OSError as exc:
        skipped.append(f"{terminal_text(root, one_line=True)}: cannot be read ({type(exc).__name__})")
        return due
    for provider in providers:
        for folder in (LOADED, REJECTED):
            try:
                with opened_dir(root, provider, folder) as dfd, os.scandir(dfd) as it:
                    entries = [(e.name, e.stat(follow_symlinks=False)) for e in it]
            except FileNotFoundError:
                continue
            except UnsafePath:
                skipped.append(f"{provider}/{folder} is a symbolic link or not a folder: not followed")
                continue
            except OSError as exc:
                skipped.append(f"{provider}/{folder} cannot be read ({type(exc).__name__})")
                continue
            for name, st in entries:
                if stat.S_ISDIR(st.st_mode):
                    continue
                kind = _file_kind(folder, name)
                arrived = _arrived(st)
                if arrived <= cutoffs[kind]:
                    due.append(_FileDue(provider, folder, name, kind, arrived, stat.S_ISLNK(st.st_mode)))
    return due


def _load_of(con, sha: str | None) -> int | None:
    if con is None or sha is None:
        return None
    row = con.execute("SELECT max(load_id) FROM raw.load_log WHERE sha256 = ?", [sha]).fetchall()
    return int(row[0][0]) if row and row[0][0] is not None else None


def _remove_files(root: Path, due: list[_FileDue], con, skipped: list[str]) -> list[PurgedGroup]:
    """Remove the entries (a link itself, never its target); a data file is first hashed
    (opened without following a link) to name its load in the record."""
    from costcalc.safefs import UnsafePath, open_regular, opened_dir, unlink_at
    from costcalc.watch.handling import sha256_fd

    groups: dict[tuple, PurgedGroup] = {}
    for d in due:
        try:
            with opened_dir(root, d.provider, d.folder) as dfd:
                sha = None
                if d.kind != "error_report" and not d.is_link:
                    try:
                        fd = open_regular(dfd, d.name)
                    except (UnsafePath, FileNotFoundError):
                        fd = None
                    if fd is not None:
                        try:
                            sha = sha256_fd(fd)
                        finally:
                            os.close(fd)
                if not unlink_at(dfd, d.name):
                    continue  # gone meanwhile
        except UnsafePath:
            skipped.append(f"{d.provider}/{d.folder} became a symbolic link: not followed")
            continue
        except OSError as exc:
            skipped.append(f"a file in {d.provider}/{d.folder} could not be removed ({type(exc).__name__})")
            continue
        load_id = _load_of(con, sha)
        key = (d.kind, d.provider, load_id)
        g = groups.setdefault(key, PurgedGroup(d.kind, d.provider, load_id, 0, d.arrived))
        g.items += 1
        g.oldest_at = min(g.oldest_at, d.arrived)
    return list(groups.values())


def _plan_files(due: list[_FileDue]) -> list[PurgedGroup]:
    groups: dict[tuple, PurgedGroup] = {}
    for d in due:
        g = groups.setdefault((d.kind, d.provider), PurgedGroup(d.kind, d.provider, None, 0, d.arrived))
        g.items += 1
        g.oldest_at = min(g.oldest_at, d.arrived)
    return list(groups.values())


# --------------------------------------------------------------------------- the warehouse


def _exists(con, schema: str, table: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, table]).fetchall()[0][0] > 0


def _reason_scrubbed_sql() -> str:
    """The reason of a rejected row with its quoted values blanked (a reason may quote the
    value: "unknown frequency 'Quarterly'"); plain text replacement where the engine has
    no regular expressions with a global flag."""
    from costcalc.warehouse.targets import target_name

    if target_name() in ("duckdb", "postgres"):
        return "regexp_replace(reason, '''[^'']*''', '''…''', 'g')"
    return "replace(reason, value, '…')"


def rejected_values_due(con, cutoff: _dt.datetime) -> list[PurgedGroup]:
    if not (_exists(con, "raw", "rejected_rows") and _exists(con, "raw", "load_log")):
        return []
    rows = con.execute(
        "SELECT l.load_id, count(*), min(l.loaded_at) FROM raw.rejected_rows r JOIN raw.load_log l "
        "ON l.load_id = r.load_id WHERE r.value IS NOT NULL AND l.loaded_at <= ? GROUP BY l.load_id "
        "ORDER BY l.load_id", [cutoff]).fetchall()
    return [PurgedGroup("rejected_values", "raw.rejected_rows", int(r[0]), int(r[1]), r[2]) for r in rows]


def _blank_rejected_values(con, cutoff: _dt.datetime) -> None:
    con.execute(f"UPDATE raw.rejected_rows SET reason = {_reason_scrubbed_sql()}, value = NULL "
                "WHERE value IS NOT NULL AND load_id IN (SELECT load_id FROM raw.load_log WHERE loaded_at <= ?)",
                [cutoff]).fetchall()


def audit_rows_due(con, cutoff: _dt.datetime, schemas: tuple[str, ...] = ("audit", "raw")) -> list[PurgedGroup]:
    """Audit rows older than ``cutoff`` in the tables of AUDIT_TABLES in ``schemas`` (on
    DuckDB the ``audit`` tables are in the restricted file: see :func:`_restricted_audit`)."""
    out = []
    for schema, table, column in AUDIT_TABLES:
        if schema not in schemas or not _exists(con, schema, table):
            continue
        n, oldest = con.execute(f"SELECT count(*), min({column}) FROM {schema}.{table} WHERE {column} <= ?",
                                [cutoff]).fetchall()[0]
        if n:
            out.append(PurgedGroup("audit_log", f"{schema}.{table}", None, int(n), oldest))
    return out


def _delete_audit_rows(con, groups: list[PurgedGroup], cutoff: _dt.datetime) -> None:
    columns = {f"{s}.{t}": c for s, t, c in AUDIT_TABLES}
    for g in groups:
        con.execute(f"DELETE FROM {g.place} WHERE {columns[g.place]} <= ?", [cutoff]).fetchall()


@contextmanager
def _restricted_audit(warehouse, *, read_only: bool, wait_seconds: float):
    """On DuckDB the ``audit`` logs live in the restricted file beside the warehouse
    (costcalc.warehouse.restricted_store): a connection to it, or None when the warehouse
    has never been built (no restricted file, so no audit rows). On a server: None (the
    ``audit`` schema is in the warehouse connection itself)."""
    import duckdb

    from costcalc.warehouse import restricted_store as store
    from costcalc.warehouse.targets import is_server

    if is_server():
        yield None
        return
    try:
        cm = store.restricted_connection(warehouse, read_only=read_only, wait_seconds=wait_seconds)
        con = cm.__enter__()
    except store.RestrictedMissing:
        yield None
        return
    except (store.RestrictedLocked, duckdb.Error) as exc:
        raise PurgeFailed(f"The audit logs beside {Path(warehouse).name} cannot be opened ({exc}); nothing was "
                          "purged. Try again when no build is running.") from None
    try:
        yield con
    finally:
        cm.__exit__(None, None, None)


def _purge_restricted_audit(con, cutoff: _dt.datetime, *, dry_run: bool) -> list[PurgedGroup]:
    """The audit rows due in the restricted file (DuckDB), deleted in its own transaction
    unless ``dry_run``."""
    from costcalc.warehouse.connection import transaction

    groups = audit_rows_due(con, cutoff, schemas=("audit",))
    if dry_run or not groups:
        return groups
    with transaction(con):
        _delete_audit_rows(con, groups, cutoff)
    return groups


def _record(con, result: PurgeResult, who: str) -> int:
    purge_id = int(con.execute("SELECT coalesce(max(purge_id), 0) + 1 FROM raw.purge_log").fetchall()[0][0])
    retention = "; ".join(f"{k}={result.settings.text(k)}" for k in (*RETENTION_KINDS, "audit_logs"))
    folders = "; ".join(str(f) for f in result.folders) or None
    con.execute("INSERT INTO raw.purge_log (purge_id, purged_at, purged_by, folders, retention, items) "
                "VALUES (?, ?, ?, ?, ?, ?)", [purge_id, result.now, who, folders, retention, result.total()]).fetchall()
    for g in result.groups:
        con.execute("INSERT INTO raw.purged_items (purge_id, kind, place, load_id, items, oldest_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [purge_id, g.kind, g.place, g.load_id, g.items,
                                                  g.oldest_at]).fetchall()
    return purge_id


# --------------------------------------------------------------------------- the purge


def _open(warehouse, wait_seconds: float, *, read_only: bool = False):
    """The warehouse; read-only (and not migrated) for a dry run, which changes nothing."""
    import duckdb

    from costcalc.warehouse.connection import WarehouseBusy, ensure_raw, open_warehouse
    from costcalc.warehouse.targets import EngineError, is_server

    path = Path(warehouse)
    if not is_server() and not path.exists():  # a purge never creates a warehouse
        raise PurgeFailed(f"No warehouse at {path}: give the warehouse the files were loaded into "
                          "(--warehouse).")
    try:
        con = open_warehouse(path=path, wait_seconds=wait_seconds, read_only=read_only)
    except EngineError as exc:
        raise PurgeFailed(str(exc)) from None
    except (WarehouseBusy, duckdb.IOException) as exc:
        raise PurgeFailed(f"The warehouse {path.name} is in use (a load or build running?); nothing was "
                          "purged. Try again when it has finished.") from exc
    if read_only:
        return con
    try:
        ensure_raw(con)
    except BaseException:
        con.close()
        raise
    return con


def purge(warehouse, folders=(), *, dry_run: bool = False, now: _dt.datetime | None = None,
          settings: RetentionSettings | None = None, wait_seconds: float = 30.0) -> PurgeResult:
    """Apply the retention settings (default: the project's costcalc.yml) at ``now``
    (default: the current local time): files in each watched folder of ``folders``, then,
    in one transaction, rejected values, audit log rows and the record of it all. A dry
    run opens the warehouse read-only and changes nothing."""
    from costcalc.lookup import audited_user
    from costcalc.warehouse.connection import transaction

    settings = settings or load_settings().retention
    now = (now or _local_now()).replace(microsecond=0)
    result = PurgeResult(dry_run, now, settings, [Path(f).resolve() for f in folders])
    from costcalc.warehouse.targets import is_server

    # on DuckDB the audit logs are in the restricted file: their own connection, purged first
    warehouse_audit = ("audit", "raw") if is_server() else ("raw",)
    con = _open(warehouse, wait_seconds, read_only=dry_run)
    try:
        with _restricted_audit(warehouse, read_only=dry_run, wait_seconds=wait_seconds) as rcon:
            restricted_groups = ([] if rcon is None else
                                 _purge_restricted_audit(rcon, now - settings.period("audit_logs"), dry_run=dry_run))
        due = []
        for root in result.folders:
            due += [(root, d) for d in files_due(root, settings, now, result.skipped)]
        values_cutoff = now - settings.period("rejected_values")
        audit_cutoff = now - settings.period("audit_logs")
        if dry_run:
            for root in result.folders:
                result.groups += _plan_files([d for r, d in due if r == root])
            result.groups += rejected_values_due(con, values_cutoff)
            result.groups += restricted_groups + audit_rows_due(con, audit_cutoff, warehouse_audit)
            return result
        who = audited_user(con)
        for root in result.folders:
            result.groups += _remove_files(root, [d for r, d in due if r == root], con, result.skipped)
        with transaction(con):
            values = rejected_values_due(con, values_cutoff)
            if values:
                _blank_rejected_values(con, values_cutoff)
            audit = audit_rows_due(con, audit_cutoff, warehouse_audit)
            _delete_audit_rows(con, audit, audit_cutoff)
            result.groups += values + restricted_groups + audit
            result.purge_id = _record(con, result, who)
        return result
    finally:
        con.close()


def last_purge(warehouse) -> _dt.datetime | None:
    """When the last purge recorded in the warehouse ran (None: never, or no warehouse)."""
    try:
        con = _open(warehouse, wait_seconds=5.0, read_only=True)
    except PurgeFailed:
        return None
    try:
        if not _exists(con, "raw", "purge_log"):
            return None
        value = con.execute("SELECT max(purged_at) FROM raw.purge_log").fetchall()[0][0]
    finally:
        con.close()
    return value
