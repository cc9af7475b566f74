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

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from costcalc.reports.errors import ReportError
from costcalc.schemas import load_file_types
from costcalc.watch.events import FolderEvents, filesystem_type, is_network_filesystem  # noqa: F401
from costcalc.watch.filetype import Decision, decide_file_type, read_top_rows, recognise  # noqa: F401
from costcalc.watch.handling import FileHandler, Outcome, clean_staging, is_transient  # noqa: F401
from costcalc.watch.lock import FolderLock  # noqa: F401
from costcalc.watch.names import (INCOMING, LOADED, REJECTED, folder_key, free_name,  # noqa: F401
                                  ignore_reason, timestamp_suffix)
from costcalc.watch.scanning import Candidate, Scanner
from costcalc.watch.settling import ReadinessTracker

log = logging.getLogger("costcalc.watch")

#: The watch package's parts, importable from here as before the split.
__all__ = ["BatchResult", "Candidate", "Decision", "FileHandler", "FolderEvents", "FolderLock", "INCOMING",
           "LOADED", "Outcome", "REJECTED", "ReadinessTracker", "Scanner", "Watcher", "decide_file_type",
           "filesystem_type", "folder_key", "free_name", "ignore_reason", "is_network_filesystem",
           "is_transient", "read_top_rows", "recognise", "timestamp_suffix"]


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    built: bool | None = None  # None: no build run

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def _default_loader(warehouse, path, **kwargs):
    from costcalc.ingest.landing import load_file

    return load_file(warehouse, path, **kwargs)


def _default_build(warehouse: Path) -> bool:
    from costcalc.transform.build import run_build

    return run_build(warehouse)


#: How often the watcher runs the purge (costcalc.governance.retention): daily.
PURGE_EVERY = 24 * 3600.0


def _default_purge(warehouse: Path, root: Path):
    """The purge of ``root`` and ``warehouse``; None (nothing to purge) before the first load
    has made the DuckDB warehouse."""
    from costcalc.governance.retention import purge
    from costcalc.warehouse.targets import is_server

    if not is_server() and not Path(warehouse).exists():
        return None
    return purge(warehouse, [root])


def log_outcome(o: Outcome) -> None:
    """The one log line per file: names, status and counts, never a value from the file."""
    if o.status in ("changed", "gone", "error"):
        return  # logged where it happened
    where = (f"moved to {o.candidate.provider_dir.name}/{o.destination.parent.name}/{o.destination.name}"
             if o.destination else "left in incoming/")
    msg = (f"{o.status} {o.candidate.label} as {o.file_type or '-'}"
           f"{' (recognised from headers)' if o.how == 'headers' else ''}: "
           f"{o.rows_read} rows read, {o.rows_accepted} accepted, {o.rows_rejected} rejected; {where}")
    if o.report is not None:
        msg += f"; error report {o.report.name}"
    if o.extract_date is not None:
        msg += f"; extract date {o.extract_date} ({o.extract_date_source})"
    if o.status == "rejected":
        log.warning("%s. Reason: %s", msg, o.message)
    elif o.warnings:
        log.warning("%s. WARNING: %s", msg, "; ".join(o.warnings))
    else:
        log.info(msg)


class Watcher:
    """Loads what providers drop into ``root``; see the module doc. It holds the loop
    and the batches; scanning (:class:`~costcalc.watch.scanning.Scanner`), settling
    (:class:`~costcalc.watch.settling.ReadinessTracker`), one file's handling
    (:class:`~costcalc.watch.handling.FileHandler`) and filesystem events
    (:class:`~costcalc.watch.events.FolderEvents`) are its parts.

    ``loader`` and ``build`` default to :func:`costcalc.ingest.landing.load_file` and
    :func:`costcalc.transform.build.run_build`; they can be replaced (tests, embedding).
    """

    def __init__(self, root: str | os.PathLike, warehouse: str | os.PathLike, *,
                 settle: float = 5.0, build: bool = True, poll: bool = False,
                 rescan_interval: float = 60.0, grace: float | None = None,
                 loader: Callable | None = None, build_fn: Callable[[Path], bool] | None = None,
                 clock: Callable[[], float] = time.monotonic, purge_every: float | None = PURGE_EVERY,
                 purge_fn: Callable[[Path, Path], object] | None = None):
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
        self.scanner = Scanner(self.root)
        self.handler = FileHandler(self.root, self.warehouse, self.loader, self.tracker, clock, self.settle)
        self.stop_event = threading.Event()
        self._wake = threading.Event()
        self.events = FolderEvents(self.root, self._wake, self.tracker, settle=self.settle, poll=poll,
                                   rescan_interval=rescan_interval, provider_dirs=self.provider_dirs)
        self._warned_providers: set[str] = set()
        self.batches: list[BatchResult] = []
        # The daily purge: at start, then every purge_every seconds of ``clock`` (None: never).
        self.purge_every = purge_every
        self.purge_fn = purge_fn or _default_purge
        self._last_purge: float | None = None

    # -- layout -------------------------------------------------------------

    @property
    def build_marker(self) -> Path:
        return self.warehouse.with_name(self.warehouse.name + ".build-pending")

    def prepare_layout(self) -> None:
        """Create ``<provider>/incoming/<file type>/``, ``loaded/`` and ``rejected/``
        for every provider named in seeds/file_types.csv (other provider folders
        are used as they are found). A folder on the way that is a link is left alone."""
        from costcalc.safefs import UnsafePath, opened_dir

        file_types = load_file_types()
        providers = sorted({p for ft in file_types.values() for p in ft.allowed_providers if p != "*"})
        for provider in providers:
            folders = [(INCOMING, ft.file_type) for ft in file_types.values() if ft.allows(provider)]
            folders += [(LOADED,), (REJECTED,)]
            for parts in folders:
                try:
                    with opened_dir(self.root, provider, *parts, create=True):
                        pass
                except UnsafePath:
                    self.scanner.warn_once(f"unsafe:{provider}", "%s: a folder on the way is a symbolic "
                                           "link: its layout is not created", provider)
                    break

    def provider_dirs(self) -> list[Path]:
        """Provider folders with an ``incoming/`` (links are never provider folders)."""
        return [d for d in self.scanner.provider_dirs() if (d / INCOMING).is_dir()]

    def scan(self) -> list[Candidate]:
        """Every candidate file in every ``<provider>/incoming/`` (and its subfolders, one level)."""
        known = {p for ft in load_file_types().values() for p in ft.allowed_providers}
        cands = self.scanner.scan()
        for provider in sorted({c.provider for c in cands} - known - self._warned_providers):
            self._warned_providers.add(provider)
            log.warning("provider folder %r is not named in seeds/file_types.csv; "
                        "it may send only file types open to any provider", provider)
        return cands

    # -- batches and the build ------------------------------------------------

    def ready_candidates(self) -> list[Candidate]:
        cands = self.scan()
        files = [c for c in cands if c.kind == "file"]
        self.tracker.observe(c.path for c in files)
        # Links and other non-files are refused at once: nothing of theirs is read.
        return [c for c in cands if c.kind != "file" or (self.handler.due(c) and self.tracker.ready(c.path))]

    def process_file(self, cand: Candidate) -> Outcome:
        outcome = self.handler.handle(cand, self.extract_date_for)
        log_outcome(outcome)
        return outcome

    def extract_date_for(self, cand: Candidate) -> dict:
        """The loader's extract-date arguments for a file whose data has no extract date:
        from its name, its sidecar, its provider folder's costcalc.yml, else the drop date
        (costcalc.ingest.extract_date; docs/watch.md). Read without following links."""
        from costcalc.ingest.extract_date import DROP_DATE, resolve
        from costcalc.safefs import opened_dir

        with opened_dir(self.root, *cand.folder_parts) as file_dir, \
                opened_dir(self.root, cand.provider_dir.name) as provider_dir:
            found = resolve(cand.path.name, file_dir_fd=file_dir, folder_fd=provider_dir, fallback=DROP_DATE)
        return found.loader_arguments()

    def process_batch(self, cands: list[Candidate]) -> BatchResult:
        batch = BatchResult()
        pending_before = self.build_enabled and self.build_marker.exists()
        if self.build_enabled and cands:
            self.build_marker.parent.mkdir(parents=True, exist_ok=True)
            self.build_marker.touch()
        for cand in cands:
            if self.stop_event.is_set():
                break
            if not os.path.lexists(cand.path):
                self.tracker.forget(cand.path)
                continue
            try:
                outcome = self.process_file(cand)
            except Exception as exc:
                # e.g. the file cannot be moved (still open on a Windows share): it stays in
                # incoming/ and is tried again (a load that committed then answers 'unchanged'),
                # until the handler gives up on it.
                outcome = self.handler.failed(cand, exc)
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
        """The build step after a batch: one call, True when it succeeded."""
        log.info("building the warehouse")
        try:
            ok = bool(self.build_fn(self.warehouse))
        except Exception as exc:
            log.error("the build failed (%s)", type(exc).__name__)
            ok = False
        if ok:
            self._clear_marker()
            log.info("build finished")
            self.republish_dashboard()
        else:
            log.error("the build failed; it is retried after the next batch or on restart")
            self.build_marker.parent.mkdir(parents=True, exist_ok=True)
            self.build_marker.touch()
        return ok

    def republish_dashboard(self) -> bool | None:
        """After a successful build, render the dashboard again when costcalc.yml names
        its folder (``dashboard: {folder: ...}``; costcalc.dashboard). None: none configured.
        A failure is logged; the loading goes on and the previous site stays."""
        from costcalc.settings import SettingsError, dashboard_folder

        try:
            folder = dashboard_folder()
            if folder is None:
                return None
            from costcalc.dashboard import publish_site

            site = publish_site(self.warehouse, folder)
        except (SettingsError, ReportError) as exc:
            log.error("the dashboard was not republished: %s", exc)
            return False
        except Exception as exc:  # noqa: BLE001 - the watcher keeps loading whatever a render hits
            log.error("the dashboard was not republished (%s)", type(exc).__name__)
            return False
        log.info("dashboard republished: %d pages in %s", len(site.pages), site.folder)
        return True

    def _clear_marker(self) -> None:
        try:
            self.build_marker.unlink()
        except FileNotFoundError:
            pass

    # -- the daily purge ------------------------------------------------------

    def purge_if_due(self, *, recorded: bool = False) -> bool:
        """Run the purge of the folder and warehouse (docs/retention.md) if it is due: at
        start, then once every ``purge_every`` seconds of the clock; with ``recorded``
        (``--once`` runs from cron) when the warehouse's last recorded purge is older than
        that. A failure is logged, never fatal. True when it ran."""
        if self.purge_every is None:
            return False
        now = self.clock()
        if self._last_purge is not None and now - self._last_purge < self.purge_every:
            return False
        if recorded:
            import datetime as dt

            from costcalc.governance.retention import last_purge

            last = last_purge(self.warehouse)
            if last is not None and dt.datetime.now() - last < dt.timedelta(seconds=self.purge_every):
                return False
        self._last_purge = now
        try:
            result = self.purge_fn(self.warehouse, self.root)
        except Exception as exc:  # noqa: BLE001 - the watcher goes on; the next purge is in a day
            log.error("the daily purge failed (%s): %s", type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            return True
        summary = getattr(result, "summary", None)
        if summary is not None:
            log.info("%s", "; ".join(line.strip() for line in summary().splitlines()))
        return True

    # -- running --------------------------------------------------------------

    def run_once(self) -> int:
        """Process what is waiting now and return an exit code (docs/watch.md):
        0 all loaded, 1 something rejected, 2 a file could not be processed or the build failed."""
        clean_staging(self.root)  # left by a crash (the caller holds the folder's lock)
        cands = self.scan()
        self.tracker.observe(c.path for c in cands if c.kind == "file")
        if cands and self.settle:
            self.stop_event.wait(self.settle)
        ready = self.ready_candidates() if cands else []
        waiting = len(self.tracker.pending) - sum(1 for c in ready if c.kind == "file")
        if waiting > 0:
            log.info("%d file(s) still being written; left for the next run", waiting)
        batch = self.process_batch(ready)  # with no files, still runs a build owed by an earlier run
        self.purge_if_due(recorded=True)
        if batch.count("error") or batch.built is False:
            return 2
        if batch.count("rejected"):
            return 1
        return 0

    def run(self, *, ready_event: threading.Event | None = None) -> int:
        """Watch until :meth:`stop` is called (or SIGINT/SIGTERM in the CLI)."""
        tick = max(0.05, min(self.settle / 4 if self.settle else 0.25, 1.0))
        clean_staging(self.root)  # left by a crash (the caller holds the folder's lock)
        self.events.start()
        try:
            if self.build_enabled and self.build_marker.exists():
                log.info("a build is owed from an earlier run")
                self.process_batch([])
            last_scan = -1e18
            if ready_event is not None:
                ready_event.set()
            log.info("watching %s (settle %.1fs, %s)", self.root, self.settle,
                     "polling" if self.events.polling else "filesystem events")
            while not self.stop_event.is_set():
                self.purge_if_due()
                now = self.clock()
                woken = self._wake.is_set()
                self._wake.clear()
                if woken or self.tracker.pending or now - last_scan >= self.rescan_interval:
                    last_scan = now
                    ready = self.ready_candidates()
                    self.events.sync()
                    if ready:
                        self.process_batch(ready)
                        continue
                timeout = tick if self.tracker.pending else self.rescan_interval
                self._wake.wait(timeout)
                if self._wake.is_set() and not self.stop_event.is_set():
                    self.stop_event.wait(tick)  # let a burst of events settle into one scan
        finally:
            self.events.stop()
        log.info("stopped")
        return 0

    def stop(self) -> None:
        self.stop_event.set()
        self._wake.set()
