"""The watched folder: providers drop files, costcalc loads them.

Layout (see docs/watch.md)::

    DIR/<provider>/incoming/                  files whose type is recognised from their headers
    DIR/<provider>/incoming/<file_type>/      files of that file type
    DIR/<provider>/loaded/                    loaded (or already loaded: 'unchanged') files
    DIR/<provider>/rejected/                  rejected files, each with its error report beside it

A file is loaded once it is completely written: its size and modification
time have not changed across a settle interval and it can be opened (an
.xlsx must also be a complete zip archive). It is then loaded with
:func:`costcalc.ingest.landing.load_file` and moved, with its error report, to
``loaded/`` or ``rejected/``. After each batch the warehouse is built once.

Restarts are safe: a file still in ``incoming/`` is simply processed again;
the loader's sha256 check answers 'unchanged' for a file whose load committed
before a crash, and the file is then moved to ``loaded/``. A marker beside the
warehouse (``<warehouse>.build-pending``) records that a build is owed, so a
crash between loading and building is followed by a build on restart.

Logs name the file, provider, file type, status and row counts; never a
value from inside a file.
"""

from __future__ import annotations

import csv
import datetime as _dt
import logging
import os
import re
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from watchdog.events import FileSystemEventHandler

from costcalc.ingest.landing import error_report_path, is_error_report
from costcalc.ingest.readers import open_rows
from costcalc.schemas import FileType, Schema, load_file_types, load_schemas
from costcalc.ingest.validate import HEADER_SCAN_ROWS, find_header
from costcalc.safe_output import spreadsheet_row

log = logging.getLogger("costcalc.watch.folder")

INCOMING, LOADED, REJECTED = "incoming", "loaded", "rejected"

#: Suffixes of files still being copied or downloaded: never touched.
PARTIAL_SUFFIXES = (
    ".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart",
    ".opdownload", ".!ut", ".swp", ".lock", ".lck",
)
#: System clutter that is neither data nor a mistake worth rejecting.
CLUTTER_NAMES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})

#: Filesystems on which inotify does not see changes made by other machines.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "9p", "davfs", "fuse.sshfs",
    "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse", "fuse.glusterfs", "ceph", "glusterfs", "lustre",
    "fuse.dfs", "vboxsf", "prl_fs", "fuse.vmhgfs-fuse", "drvfs", "9p2000",
})

#: Error report columns (the loader's layout, see costcalc.ingest.landing).
REPORT_COLUMNS = ("row", "column", "value", "reason")


# ---------------------------------------------------------------------------
# Names


def folder_key(text: str) -> str:
    """Provider and file-type folder names match case-insensitively, with
    spaces and hyphens standing for underscores (``Housing Needs`` =
    ``housing-needs`` = ``housing_needs``)."""
    return re.sub(r"[\s\-_]+", "_", text.strip()).strip("_").lower()


def ignore_reason(name: str) -> str | None:
    """Why a file in ``incoming/`` is left alone, or None if it is a candidate."""
    lower = name.lower()
    if name.startswith("~$"):
        return "Office lock file"
    if name.startswith("."):
        return "hidden file"
    if name.endswith("~") or lower.endswith(PARTIAL_SUFFIXES):
        return "partial or temporary file"
    if lower in CLUTTER_NAMES:
        return "system file"
    if is_error_report(name):
        return "error report"
    return None


def timestamp_suffix(now: _dt.datetime | None = None) -> str:
    return (now or _dt.datetime.now()).strftime("%Y%m%dT%H%M%S")


def destination_for(folder: Path, name: str, now: _dt.datetime | None = None) -> Path:
    """A free path for ``name`` in ``folder`` (and for its error report):
    ``name`` itself, else ``<stem>_<timestamp><suffix>``, else with ``_2``, ``_3``...
    Never an existing file."""
    p = Path(name)
    stem, suffix = p.stem, p.suffix
    stamp = timestamp_suffix(now)
    candidates = [name, f"{stem}_{stamp}{suffix}"]
    n = 2
    while True:
        for cand in candidates:
            target = folder / cand
            if not target.exists() and not error_report_path(target).exists():
                return target
        candidates = [f"{stem}_{stamp}_{n}{suffix}"]
        n += 1


def move_no_clobber(src: Path, dst: Path) -> Path:
    """Move ``src`` to ``dst`` without ever replacing an existing file; if
    ``dst`` appears meanwhile, a timestamped name is chosen instead."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            os.link(src, dst)  # fails if dst exists: no overwrite, atomically
        except FileExistsError:
            dst = destination_for(dst.parent, dst.name)
            continue
        except OSError:
            # Filesystems without hard links (some network shares, FAT): check, then rename.
            if dst.exists():
                dst = destination_for(dst.parent, dst.name)
                continue
            os.replace(src, dst)
            return dst
        try:
            os.unlink(src)
        except FileNotFoundError:
            pass
        return dst


# ---------------------------------------------------------------------------
# File types: subfolder, else recognised from the headers


@dataclass(frozen=True)
class Decision:
    """How to load a file: the file type to give the loader, or why the
    watcher refuses the file itself (only when it cannot tell which file type)."""

    file_type: str | None  # None: the loader searches every schema (and rejects: none fits)
    reject: str | None = None
    how: str = ""  # 'folder' | 'headers'


def read_top_rows(path: Path, limit: int = HEADER_SCAN_ROWS) -> list[list]:
    """The first ``limit`` rows of the file, read as the loader reads them."""
    source = open_rows(path)
    try:
        rows = []
        for row in source.rows:
            rows.append(list(row))
            if len(rows) >= limit:
                break
        return rows
    finally:
        source.close()


@dataclass(frozen=True)
class Recognition:
    schema_codes: tuple[str, ...]  # schemas the headers fit, best first, tied on columns matched
    closest: str | None = None  # when none fits: the nearest schema...
    missing: tuple[str, ...] = ()  # ...and its missing mandatory columns


def recognise(rows: list[list], schemas: Iterable[Schema]) -> Recognition:
    """Which schema the headers belong to, by the loader's own header search
    (:func:`costcalc.ingest.validate.find_header`) run for each schema: schemas with
    every mandatory column, ranked by the loader's score. Schemas matching as
    many columns as the best are returned too (a tie the provider may break)."""
    matches = [m for m in (find_header(rows, s) for s in schemas) if m is not None]
    if not matches:
        return Recognition(())
    matches.sort(key=lambda m: m.score(), reverse=True)
    best = matches[0]
    if not best.fits:
        return Recognition((), best.schema.code, tuple(best.missing))
    tied = [m.schema.code for m in matches if m.fits and len(m.mapping) == len(best.mapping)]
    return Recognition(tuple(tied))


def decide_file_type(provider: str, subfolder: str | None, path: Path,
                     file_types: dict[str, FileType] | None = None,
                     schemas: dict[str, Schema] | None = None) -> Decision:
    """The file type a provider's file is loaded as (docs/watch.md, "How the file type is chosen").

    The watcher refuses a file itself only when the provider may not send the
    file type its folder names, or the headers fit several file types the
    provider may send. Every other verdict is the loader's (unknown file type,
    a recognised schema the provider may not send, unreadable files, headers
    that fit no schema), and is recorded in ``raw.load_log``.
    """
    file_types = file_types if file_types is not None else load_file_types()
    schemas = schemas if schemas is not None else load_schemas()

    if subfolder is not None:
        key = folder_key(subfolder)
        ft = next((f for f in file_types.values()
                   if key in (folder_key(f.file_type), folder_key(f.display_name))), None)
        if ft is not None and not ft.allows(provider):
            # Checked here, before any reading: the permission is the reason, whatever the headers.
            allowed = sorted(f.file_type for f in file_types.values() if f.allows(provider))
            return Decision(None, reject=f"provider {provider!r} is not allowed to send file type "
                                         f"{ft.file_type}; it may send: {', '.join(allowed) or 'nothing'}",
                            how="folder")
        # An unknown folder name goes to the loader as it is: it rejects it, naming the known ones.
        return Decision(ft.file_type if ft else subfolder, how="folder")

    try:
        rows = read_top_rows(path)
    except Exception:  # unreadable: the loader rejects it with the reason and the fix
        return Decision(None, how="headers")
    rec = recognise(rows, schemas.values())
    if not rec.schema_codes:  # fits no schema: the loader says which is closest and what is missing
        return Decision(None, how="headers")

    def types_for(codes: Iterable[str]) -> list[FileType]:
        return [ft for ft in file_types.values() if ft.schema_code in codes and ft.allows(provider)]

    choices = types_for(rec.schema_codes[:1])
    if not choices:  # the best fit is not this provider's: does an equally good one fit?
        choices = types_for(rec.schema_codes[1:])
    if not choices:
        # Never fall back to a weaker match: the loader rejects the file as a
        # file type this provider may not send.
        best = next((ft for ft in file_types.values() if ft.schema_code == rec.schema_codes[0]), None)
        return Decision(best.file_type if best else None, how="headers")
    # A file type naming the provider beats one open to any provider ('*').
    named = [ft for ft in choices if provider in ft.allowed_providers]
    if named:
        choices = named
    if len(choices) > 1:
        return Decision(None, reject="the headers fit more than one file type this provider may send ("
                                     + ", ".join(ft.file_type for ft in choices)
                                     + "); put the file in incoming/<file type>/ to say which", how="headers")
    return Decision(choices[0].file_type, how="headers")


def write_report(path: Path, reason: str) -> Path:
    """The error report for a file the watcher refuses itself (the loader's layout)."""
    report = error_report_path(path)
    with open(report, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(REPORT_COLUMNS)
        w.writerow(spreadsheet_row(["", "", "", reason]))  # CSV injection: costcalc.safe_output
    return report


# ---------------------------------------------------------------------------
# Readiness: completely written?


@dataclass
class Pending:
    signature: tuple[int, int]
    since: float


@dataclass(frozen=True)
class Candidate:
    path: Path
    provider: str  # normalised folder name
    provider_dir: Path
    subfolder: str | None  # incoming/<subfolder>/, as written

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.path.name}"


def signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def openable(path: Path) -> bool:
    """Can be opened for reading (on Windows a file still being written is locked)."""
    try:
        with open(path, "rb") as fh:
            fh.read(1)
        return True
    except OSError:
        return False


def last_change_age(path: Path) -> float:
    """Seconds since the file's content or metadata last changed (wall clock)."""
    try:
        st = path.stat()
    except OSError:
        return 0.0
    return time.time() - max(st.st_mtime, st.st_ctime)


def complete_workbook(path: Path) -> bool:
    """A workbook is a zip whose directory is written last: a partial copy is
    not a zip yet. Other files (CSV) are judged by size and time alone."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
        if path.suffix.lower() not in (".xlsx", ".xlsm") and head != b"PK\x03\x04":
            return True
        return zipfile.is_zipfile(path)
    except OSError:
        return False


class ReadinessTracker:
    """Remembers each file's size and mtime; a file is ready once they have
    not changed for ``settle`` seconds and it can be opened."""

    def __init__(self, settle: float, grace: float, clock: Callable[[], float] = time.monotonic):
        self.settle = settle
        self.grace = grace  # how long a stable but incomplete .xlsx waits before the loader judges it
        self.clock = clock
        self.pending: dict[Path, Pending] = {}

    def observe(self, paths: Iterable[Path]) -> None:
        now = self.clock()
        seen = set()
        for p in paths:
            sig = signature(p)
            if sig is None:
                continue
            seen.add(p)
            entry = self.pending.get(p)
            if entry is None or entry.signature != sig:
                self.pending[p] = Pending(sig, now)
        for p in list(self.pending):
            if p not in seen:
                del self.pending[p]

    def ready(self, path: Path) -> bool:
        entry = self.pending.get(path)
        if entry is None:
            return False
        stable_for = self.clock() - entry.since
        if stable_for < self.settle or not openable(path):
            return False
        if complete_workbook(path):
            return True
        # Not a whole workbook yet: a stalled copy, or a corrupt file. After
        # ``grace`` seconds without change the loader judges (and rejects) it.
        return stable_for >= self.grace or last_change_age(path) >= self.grace

    def forget(self, path: Path) -> None:
        self.pending.pop(path, None)


# ---------------------------------------------------------------------------
# Outcomes


@dataclass
class Outcome:
    candidate: Candidate
    status: str  # 'loaded' | 'unchanged' | 'rejected' | 'error'
    file_type: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    message: str = ""
    destination: Path | None = None
    report: Path | None = None


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    built: bool | None = None  # None: no build run

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


# ---------------------------------------------------------------------------
# Single-instance lock


class FolderLock:
    """An exclusive lock on ``DIR/.costcalc-watch.lock`` so two watchers never share a folder."""

    def __init__(self, root: Path):
        self.path = root / ".costcalc-watch.lock"
        self.fh = None

    def acquire(self) -> bool:
        self.fh = open(self.path, "a+")
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                import msvcrt

                self.fh.seek(0)
                msvcrt.locking(self.fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.close()
            self.fh = None
            return False
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"{os.getpid()}\n")
        self.fh.flush()
        return True

    def release(self) -> None:
        if self.fh is not None:
            self.fh.close()  # closing releases the lock
            self.fh = None


# ---------------------------------------------------------------------------
# The watcher


def _default_loader(warehouse, path, **kwargs):
    from costcalc.ingest.landing import load_file

    return load_file(warehouse, path, **kwargs)


def _default_build(warehouse: Path) -> bool:
    from costcalc.transform.build import run_build

    return run_build(warehouse)


def filesystem_type(path: Path, mountinfo: str | None = None) -> str | None:
    """The type of the filesystem ``path`` is on (Linux, from /proc/self/mountinfo), or None."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return None
    target = str(path)
    best, best_type = "", None
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        parts, rparts = left.split(), right.split()
        if len(parts) < 5 or not rparts:
            continue
        mount = parts[4].replace("\\040", " ")
        if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, best_type = mount, rparts[0]
    return best_type


def is_network_filesystem(path: Path, mountinfo: str | None = None) -> bool:
    """True when ``path`` lives on a network share, where inotify misses other machines' writes."""
    return filesystem_type(path.resolve(), mountinfo) in NETWORK_FILESYSTEMS


class Watcher:
    """Loads what providers drop into ``root``; see the module doc.

    ``loader`` and ``build`` default to :func:`costcalc.ingest.landing.load_file` and
    :func:`costcalc.transform.build.run_build`; they can be replaced (tests, embedding).
    """

    def __init__(self, root: str | os.PathLike, warehouse: str | os.PathLike, *,
                 settle: float = 5.0, build: bool = True, poll: bool = False,
                 rescan_interval: float = 60.0, grace: float | None = None,
                 loader: Callable | None = None, build_fn: Callable[[Path], bool] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.root = Path(root).resolve()
        self.warehouse = Path(warehouse)
        self.settle = max(0.0, float(settle))
        self.build_enabled = build
        self.poll = poll
        self.rescan_interval = rescan_interval
        self.loader = loader or _default_loader
        self.build_fn = build_fn or _default_build
        self.clock = clock
        grace = grace if grace is not None else max(30.0, 6 * self.settle)
        self.tracker = ReadinessTracker(self.settle, grace, clock)
        self.stop_event = threading.Event()
        self._wake = threading.Event()
        self._retry_at: dict[Path, float] = {}
        self._retry_delay: dict[Path, float] = {}
        self._warned_providers: set[str] = set()
        self._observer = None
        self._watched: dict[str, object] = {}
        self.batches: list[BatchResult] = []

    # -- layout -------------------------------------------------------------

    @property
    def build_marker(self) -> Path:
        return self.warehouse.with_name(self.warehouse.name + ".build-pending")

    def prepare_layout(self) -> None:
        """Create ``<provider>/incoming/<file type>/``, ``loaded/`` and ``rejected/``
        for every provider named in seeds/file_types.csv (other provider folders
        are used as they are found)."""
        file_types = load_file_types()
        providers = sorted({p for ft in file_types.values() for p in ft.allowed_providers if p != "*"})
        for provider in providers:
            base = self.root / provider
            for ft in file_types.values():
                if ft.allows(provider):
                    (base / INCOMING / ft.file_type).mkdir(parents=True, exist_ok=True)
            (base / LOADED).mkdir(exist_ok=True)
            (base / REJECTED).mkdir(exist_ok=True)

    def provider_dirs(self) -> list[Path]:
        try:
            entries = sorted(self.root.iterdir())
        except OSError:
            return []
        return [d for d in entries if d.is_dir() and not d.name.startswith((".", "~$"))
                and (d / INCOMING).is_dir()]

    def scan(self) -> list[Candidate]:
        """Every candidate file in every ``<provider>/incoming/`` (and its subfolders, one level)."""
        known = {p for ft in load_file_types().values() for p in ft.allowed_providers}
        out: list[Candidate] = []
        for pdir in self.provider_dirs():
            provider = folder_key(pdir.name)
            if provider not in known and provider not in self._warned_providers:
                self._warned_providers.add(provider)
                log.warning("provider folder %r is not named in seeds/file_types.csv; "
                            "it may send only file types open to any provider", pdir.name)
            incoming = pdir / INCOMING
            for entry in self._entries(incoming):
                if entry.is_dir():
                    if ignore_reason(entry.name):
                        continue
                    for sub in self._entries(entry):
                        if sub.is_file() and not ignore_reason(sub.name):
                            out.append(Candidate(sub, provider, pdir, entry.name))
                elif entry.is_file() and not ignore_reason(entry.name):
                    out.append(Candidate(entry, provider, pdir, None))
        return out

    @staticmethod
    def _entries(folder: Path) -> list[Path]:
        try:
            return sorted(folder.iterdir())
        except OSError:
            return []

    # -- processing one file --------------------------------------------------

    def process_file(self, cand: Candidate) -> Outcome:
        path = cand.path
        decision = decide_file_type(cand.provider, cand.subfolder, path)
        if decision.reject is not None:
            return self._reject(cand, None, decision.reject)

        try:
            result = self.loader(self.warehouse, path, file_type=decision.file_type,
                                 provider=cand.provider)
        except Exception as exc:
            if not path.exists():
                log.info("%s disappeared while it was being loaded", cand.label)
                return Outcome(cand, "gone", decision.file_type, message="file disappeared")
            if _transient(exc):
                delay = self._schedule_retry(path)
                log.error("could not load %s (%s); it stays in incoming/ and is retried in %.0fs",
                          cand.label, type(exc).__name__, delay)
                return Outcome(cand, "error", decision.file_type, message=type(exc).__name__)
            return self._reject(cand, decision.file_type, f"the loader failed: {type(exc).__name__}",
                                report_reason=f"the loader failed: {type(exc).__name__}: {exc}")

        self._retry_at.pop(path, None)
        self._retry_delay.pop(path, None)
        status = result.status
        folder = REJECTED if status == "rejected" else LOADED
        report = Path(result.error_report_path) if result.error_report_path else None
        if report is None and error_report_path(path).exists():
            report = error_report_path(path)  # left beside the file by a load before a crash
        dest, report_dest = self._move(cand, folder, report)
        outcome = Outcome(cand, status, result.file_type or decision.file_type, result.rows_read,
                          result.rows_accepted, result.rows_rejected, result.message, dest, report_dest)
        self._log(outcome, decision.how)
        return outcome

    def _schedule_retry(self, path: Path) -> float:
        """Back off (doubling, up to 10 minutes) before trying ``path`` again."""
        delay = min(600.0, self._retry_delay.get(path, max(5.0, self.settle)) * 2)
        self._retry_delay[path] = delay
        self._retry_at[path] = self.clock() + delay
        return delay

    def _reject(self, cand: Candidate, file_type: str | None, reason: str,
                report_reason: str | None = None) -> Outcome:
        """Reject without loading. ``reason`` is logged; ``report_reason`` (default
        ``reason``) goes to the error report, which may quote the file."""
        report = write_report(cand.path, report_reason or reason)
        dest, report_dest = self._move(cand, REJECTED, report)
        outcome = Outcome(cand, "rejected", file_type, message=reason, destination=dest, report=report_dest)
        self._log(outcome, "watcher")
        return outcome

    def _move(self, cand: Candidate, folder: str, report: Path | None) -> tuple[Path, Path | None]:
        """Move the file (and its report, first) to ``<provider>/<folder>/``, never overwriting."""
        target_dir = cand.provider_dir / folder
        target_dir.mkdir(parents=True, exist_ok=True)
        dest = destination_for(target_dir, cand.path.name)
        report_dest = None
        if report is not None and report.exists():
            report_dest = move_no_clobber(report, error_report_path(dest))
        dest = move_no_clobber(cand.path, dest)
        self.tracker.forget(cand.path)
        return dest, report_dest

    @staticmethod
    def _log(o: Outcome, how: str) -> None:
        where = o.destination.parent.name if o.destination else "incoming"
        msg = (f"{o.status} {o.candidate.label} as {o.file_type or '-'}"
               f"{' (recognised from headers)' if how == 'headers' else ''}: "
               f"{o.rows_read} rows read, {o.rows_accepted} accepted, {o.rows_rejected} rejected; "
               f"moved to {o.candidate.provider_dir.name}/{where}/"
               f"{o.destination.name if o.destination else ''}")
        if o.report is not None:
            msg += f"; error report {o.report.name}"
        if o.status == "rejected":
            log.warning("%s. Reason: %s", msg, o.message)
        else:
            log.info(msg)

    # -- batches and the build ------------------------------------------------

    def ready_candidates(self) -> list[Candidate]:
        cands = self.scan()
        self.tracker.observe(c.path for c in cands)
        now = self.clock()
        return [c for c in cands
                if self._retry_at.get(c.path, 0.0) <= now and self.tracker.ready(c.path)]

    def process_batch(self, cands: list[Candidate]) -> BatchResult:
        batch = BatchResult()
        pending_before = self.build_enabled and self.build_marker.exists()
        if self.build_enabled and cands:
            self.build_marker.parent.mkdir(parents=True, exist_ok=True)
            self.build_marker.touch()
        for cand in cands:
            if self.stop_event.is_set():
                break
            if not cand.path.exists():
                self.tracker.forget(cand.path)
                continue
            try:
                outcome = self.process_file(cand)
            except Exception as exc:
                # e.g. the file cannot be moved (still open on a Windows share): it stays in
                # incoming/ and is tried again; a load that committed then answers 'unchanged'.
                delay = self._schedule_retry(cand.path)
                log.error("could not finish %s (%s); it stays in incoming/ and is retried in %.0fs",
                          cand.label, type(exc).__name__, delay)
                outcome = Outcome(cand, "error", message=type(exc).__name__)
            batch.outcomes.append(outcome)
        if batch.outcomes:
            log.info("batch: %d loaded, %d unchanged, %d rejected, %d failed",
                     batch.count("loaded"), batch.count("unchanged"), batch.count("rejected"),
                     batch.count("error"))
        if self.build_enabled:
            if not (batch.count("loaded") or pending_before):
                if not batch.count("error"):  # a failed file may have loaded before failing
                    self._clear_marker()  # nothing new: no build owed
            elif self.stop_event.is_set():
                log.info("stopping: the build is owed and runs at the next start")
            else:
                batch.built = self.run_build()
        if batch.outcomes or batch.built is not None:
            self.batches.append(batch)
        return batch

    def run_build(self) -> bool:
        log.info("building the warehouse")
        try:
            ok = bool(self.build_fn(self.warehouse))
        except Exception as exc:
            log.error("the build failed (%s)", type(exc).__name__)
            ok = False
        if ok:
            self._clear_marker()
            log.info("build finished")
        else:
            log.error("the build failed; it is retried after the next batch or on restart")
            self.build_marker.parent.mkdir(parents=True, exist_ok=True)
            self.build_marker.touch()
        return ok

    def _clear_marker(self) -> None:
        try:
            self.build_marker.unlink()
        except FileNotFoundError:
            pass

    # -- running --------------------------------------------------------------

    def run_once(self) -> int:
        """Process what is waiting now and return an exit code:
        0 all loaded, 1 something rejected, 2 a file could not be processed or the build failed."""
        cands = self.scan()
        self.tracker.observe(c.path for c in cands)
        if cands and self.settle:
            self.stop_event.wait(self.settle)
        ready = self.ready_candidates() if cands else []
        waiting = len(self.tracker.pending) - len(ready)
        if waiting > 0:
            log.info("%d file(s) still being written; left for the next run", waiting)
        batch = self.process_batch(ready)  # with no files, still runs a build owed by an earlier run
        if batch.count("error") or batch.built is False:
            return 2
        if batch.count("rejected"):
            return 1
        return 0

    def run(self, *, ready_event: threading.Event | None = None) -> int:
        """Watch until :meth:`stop` is called (or SIGINT/SIGTERM in the CLI)."""
        tick = max(0.05, min(self.settle / 4 if self.settle else 0.25, 1.0))
        self._start_observer()
        try:
            if self.build_enabled and self.build_marker.exists():
                log.info("a build is owed from an earlier run")
                self.process_batch([])
            last_scan = -1e18
            if ready_event is not None:
                ready_event.set()
            log.info("watching %s (settle %.1fs, %s)", self.root, self.settle,
                     "polling" if self._polling else "filesystem events")
            while not self.stop_event.is_set():
                now = self.clock()
                woken = self._wake.is_set()
                self._wake.clear()
                if woken or self.tracker.pending or now - last_scan >= self.rescan_interval:
                    last_scan = now
                    ready = self.ready_candidates()
                    self._sync_watches()
                    if ready:
                        self.process_batch(ready)
                        continue
                timeout = tick if self.tracker.pending else self.rescan_interval
                self._wake.wait(timeout)
                if self._wake.is_set() and not self.stop_event.is_set():
                    self.stop_event.wait(tick)  # let a burst of events settle into one scan
        finally:
            self._stop_observer()
        log.info("stopped")
        return 0

    def stop(self) -> None:
        self.stop_event.set()
        self._wake.set()

    # -- filesystem events (watchdog) -------------------------------------------

    _polling = False

    def _start_observer(self) -> None:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        use_polling = self.poll or is_network_filesystem(self.root)
        if use_polling and not self.poll:
            log.info("%s is on a network share: polling for changes", self.root)
        poll_timeout = max(0.2, min(self.settle / 2 if self.settle else 1.0, 5.0))
        if not use_polling:
            try:
                self._observer = Observer()
                self._watched = {}
                self._sync_watches(raise_errors=True)
                self._observer.start()
                self._polling = False
                return
            except OSError as exc:
                log.warning("filesystem events are not available (%s); polling instead", type(exc).__name__)
                self._stop_observer()
        self._observer = PollingObserver(timeout=poll_timeout)
        self._watched = {}
        self._polling = True
        self._sync_watches()
        self._observer.start()

    def _stop_observer(self) -> None:
        obs, self._observer = self._observer, None
        if obs is None:
            return
        try:
            obs.stop()
            if obs.is_alive():
                obs.join(timeout=5)
        except Exception:  # stopping must never hide the reason we are stopping
            log.debug("observer did not stop cleanly", exc_info=True)

    def _sync_watches(self, raise_errors: bool = False) -> None:
        """Watch the root (for new providers), each provider folder (for a new
        ``incoming/``) and each ``incoming/`` tree; not ``loaded/`` or ``rejected/``."""
        if self._observer is None:
            return
        wanted: dict[str, bool] = {str(self.root): False}
        for pdir in self._all_provider_dirs():
            wanted[str(pdir)] = False
            if (pdir / INCOMING).is_dir():
                wanted[str(pdir / INCOMING)] = True
        handler = _WakeHandler(self._wake)
        for path, watch in list(self._watched.items()):
            if path not in wanted or not Path(path).is_dir():
                try:
                    self._observer.unschedule(watch)
                except Exception:
                    pass
                del self._watched[path]
        for path, recursive in wanted.items():
            if path in self._watched:
                continue
            try:
                self._watched[path] = self._observer.schedule(handler, path, recursive=recursive)
            except OSError as exc:
                if raise_errors:
                    raise
                log.warning("cannot watch %s (%s); relying on rescans every %.0fs",
                            path, type(exc).__name__, self.rescan_interval)

    def _all_provider_dirs(self) -> list[Path]:
        try:
            return [d for d in sorted(self.root.iterdir())
                    if d.is_dir() and not d.name.startswith((".", "~$"))]
        except OSError:
            return []


def _transient(exc: BaseException) -> bool:
    """Errors worth retrying rather than rejecting the file: the warehouse is
    locked or unavailable, the disk is full, the file is locked."""
    import duckdb

    from costcalc.warehouse.connection import WarehouseBusy

    return isinstance(exc, (OSError, WarehouseBusy, duckdb.IOException, duckdb.TransactionException))


class _WakeHandler(FileSystemEventHandler):
    """A watchdog event handler that only wakes the scan loop (the scan decides)."""

    def __init__(self, wake: threading.Event):
        super().__init__()
        self.wake = wake

    def dispatch(self, event) -> None:
        self.wake.set()
