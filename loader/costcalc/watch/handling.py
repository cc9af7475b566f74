"""Handling one dropped file: stage it, load it, check it did not change, move it.

The file is never loaded where it lies. It is opened once without following a
link (``O_NOFOLLOW``, regular files only), copied into a private staging
folder, and the copy is what the loader reads; so the loader never writes
into a provider's folder, and a file swapped for a link meanwhile is never
read. The original must match what the settle check saw (inode, size,
modification time) before and after the copy, and again just before the
load commits, when its bytes are hashed once more and compared with what the
loader loaded: a file that changed is not loaded (the transaction is rolled
back) and is tried again once it settles.

The file then moves, with its error report (first), to ``loaded/`` or
``rejected/`` under a free name that fits the folder's name length. A move
that fails is retried with a back-off; after :data:`MOVE_ATTEMPTS` tries the
watcher gives up on the file (one ERROR line) until it changes or the
watcher restarts.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from costcalc.ingest import messages
from costcalc.ingest.landing import REPORT_COLUMNS, error_report_path, write_error_report
from costcalc.safe_output import spreadsheet_row
from costcalc.safefs import UnsafePath, move_no_clobber, name_max, open_regular, opened_dir, write_atomic
from costcalc.watch.filetype import decide_file_type
from costcalc.watch.names import LOADED, REJECTED, free_name
from costcalc.watch.scanning import Candidate
from costcalc.watch.settling import ReadinessTracker, Signature

log = logging.getLogger("costcalc.watch")

#: Error report columns (the loader's layout, see costcalc.ingest.landing).
#: Tries to move a file (after its load) before the watcher gives up on it.
MOVE_ATTEMPTS = 5
#: Prefix of the private staging folders in the drop root.
STAGING_PREFIX = ".costcalc-staging-"

LINK_REASON = ("this is a symbolic link (a shortcut), not a file: it was not read; "
               "put the file itself in the folder")
SPECIAL_REASON = "this is not a regular file (a pipe, socket or device): it was not read"


class FileChanged(Exception):
    """The dropped file changed while it was being copied or loaded."""


def refusal_report_rows(reason: str) -> list[list]:
    """The rows of the error report for a file the watcher refuses itself: the loader's
    layout (a summary line, then the columns; costcalc.ingest.landing), every cell escaped
    against CSV injection, since the reason can quote names the provider chose."""
    return [spreadsheet_row([messages.summary("rejected", 0, 0, reason, [])]), list(REPORT_COLUMNS),
            spreadsheet_row(["", "", "", reason, ""])]


@dataclass
class Outcome:
    candidate: Candidate
    status: str  # 'loaded' | 'unchanged' | 'rejected' | 'error' | 'changed' | 'gone'
    file_type: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    message: str = ""
    destination: Path | None = None
    report: Path | None = None
    how: str = ""
    extract_date: object = None  # datetime.date of a loaded file
    extract_date_source: str | None = None
    warnings: list = field(default_factory=list)


def _sig(st: os.stat_result) -> Signature:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def sha256_fd(fd: int) -> str:
    h = hashlib.sha256()
    os.lseek(fd, 0, os.SEEK_SET)
    while True:
        block = os.read(fd, 1 << 20)
        if not block:
            return h.hexdigest()
        h.update(block)


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying rather than rejecting the file: the warehouse is
    locked or unavailable, the disk is full, the file is locked."""
    import duckdb

    from costcalc.warehouse.connection import WarehouseBusy

    return isinstance(exc, (OSError, WarehouseBusy, duckdb.IOException, duckdb.TransactionException))


def clean_staging(root: Path) -> None:
    """Remove staging folders left by a watcher that crashed (never following a link)."""
    try:
        with opened_dir(root) as rfd, os.scandir(rfd) as it:
            stale = [e.name for e in it if e.name.startswith(STAGING_PREFIX)
                     and e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for name in stale:
        shutil.rmtree(root / name, ignore_errors=True)


class FileHandler:
    """Handles one ready file at a time (see the module doc); remembers retries and give-ups."""

    def __init__(self, root: Path, warehouse: Path, loader: Callable, tracker: ReadinessTracker,
                 clock: Callable[[], float], settle: float):
        self.root, self.warehouse, self.loader = root, warehouse, loader
        self.tracker, self.clock, self.settle = tracker, clock, settle
        self._retry_at: dict[Path, float] = {}
        self._retry_delay: dict[Path, float] = {}
        self._attempts: dict[Path, int] = {}
        self._given_up: dict[Path, Signature | None] = {}

    # -- retries ----------------------------------------------------------------
    def due(self, cand: Candidate) -> bool:
        """Not waiting for a retry, and not given up (unless it changed since)."""
        if cand.path in self._given_up:
            if self._given_up[cand.path] == self.tracker.signature_seen(cand.path):
                return False
            del self._given_up[cand.path]
            self._attempts.pop(cand.path, None)
        return self._retry_at.get(cand.path, 0.0) <= self.clock()

    def schedule_retry(self, path: Path) -> float:
        """Back off (doubling, up to 10 minutes) before trying ``path`` again."""
        delay = min(600.0, self._retry_delay.get(path, max(5.0, self.settle)) * 2)
        self._retry_delay[path] = delay
        self._retry_at[path] = self.clock() + delay
        return delay

    def failed(self, cand: Candidate, exc: BaseException) -> Outcome:
        """The file could not be finished (e.g. moved): retry later, or give up after
        :data:`MOVE_ATTEMPTS` tries or at once for an error no retry can cure."""
        n = self._attempts[cand.path] = self._attempts.get(cand.path, 0) + 1
        hopeless = isinstance(exc, OSError) and exc.errno in (errno.ENAMETOOLONG, errno.EINVAL, errno.ELOOP)
        if n >= MOVE_ATTEMPTS or hopeless or isinstance(exc, UnsafePath):
            self._given_up[cand.path] = self.tracker.signature_seen(cand.path)
            self._retry_at.pop(cand.path, None)
            log.error("gave up on %s after %d attempt(s) (%s): it stays in incoming/ and is not tried "
                      "again until it changes or the watcher restarts; move it out by hand",
                      cand.label, n, type(exc).__name__)
            return Outcome(cand, "error", message=f"gave up: {type(exc).__name__}")
        delay = self.schedule_retry(cand.path)
        log.error("could not finish %s (%s); it stays in incoming/ and is retried in %.0fs",
                  cand.label, type(exc).__name__, delay)
        return Outcome(cand, "error", message=type(exc).__name__)

    def _done(self, path: Path) -> None:
        for d in (self._retry_at, self._retry_delay, self._attempts, self._given_up):
            d.pop(path, None)

    # -- one file -----------------------------------------------------------------
    def handle(self, cand: Candidate, extract_date: Callable[[Candidate], dict] | None = None) -> Outcome:
        if cand.kind != "file":
            return self.refuse(cand, None, LINK_REASON if cand.kind == "link" else SPECIAL_REASON, how="watcher")
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.root))
        try:
            try:
                staged, seen = self._stage(cand, staging)
            except UnsafePath:
                return self.refuse(cand, None, LINK_REASON, how="watcher")
            except FileChanged:
                return self._changed(cand)
            except FileNotFoundError:
                return Outcome(cand, "gone", message="file disappeared")
            return self._load(cand, staged, seen, extract_date)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _stage(self, cand: Candidate, staging: Path) -> tuple[Path, Signature]:
        """Copy the file into ``staging`` through one descriptor opened without following
        a link; it must be the version the settle check saw, before and after the copy."""
        with opened_dir(staging) as sfd, opened_dir(cand.root, *cand.folder_parts) as dfd:
            fd = open_regular(dfd, cand.path.name)
            try:
                seen = _sig(os.fstat(fd))
                expected = self.tracker.signature_seen(cand.path)
                if expected is not None and expected != seen:
                    raise FileChanged()
                out = os.open(cand.path.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600,
                              dir_fd=sfd)
                with os.fdopen(out, "wb") as dst, os.fdopen(os.dup(fd), "rb") as src:
                    shutil.copyfileobj(src, dst, 1 << 20)
                if _sig(os.fstat(fd)) != seen:
                    raise FileChanged()
            finally:
                os.close(fd)
        return staging / cand.path.name, seen

    def _unchanged_since(self, cand: Candidate, seen: Signature, sha: str | None = None) -> None:
        """Raise :class:`FileChanged` unless the original is still the staged version
        (and, given the loader's ``sha``, hashes to it)."""
        try:
            with opened_dir(cand.root, *cand.folder_parts) as dfd:
                fd = open_regular(dfd, cand.path.name)
                try:
                    if _sig(os.fstat(fd)) != seen or (sha is not None and sha256_fd(fd) != sha):
                        raise FileChanged()
                finally:
                    os.close(fd)
        except OSError:
            raise FileChanged() from None

    def _changed(self, cand: Candidate) -> Outcome:
        self.tracker.restart(cand.path)
        log.info("%s changed while it was being loaded: nothing was loaded; it is loaded once it "
                 "stops changing (write to a temporary name, then rename: docs/watch.md)", cand.label)
        return Outcome(cand, "changed", message="changed while being loaded")

    def _load(self, cand: Candidate, staged: Path, seen: Signature,
              extract_date: Callable[[Candidate], dict] | None) -> Outcome:
        decision = decide_file_type(cand.provider, cand.subfolder, staged)
        if decision.reject is not None:
            return self.refuse(cand, None, decision.reject, how="watcher")
        extra = extract_date(cand) if extract_date else {}

        def verify(sha: str) -> None:
            self._unchanged_since(cand, seen, sha)

        try:
            result = self.loader(self.warehouse, staged, file_type=decision.file_type,
                                 provider=cand.provider, before_commit=verify, **extra)
        except FileChanged:
            return self._changed(cand)
        except Exception as exc:
            if is_transient(exc):
                delay = self.schedule_retry(cand.path)
                log.error("could not load %s (%s); it stays in incoming/ and is retried in %.0fs",
                          cand.label, type(exc).__name__, delay)
                return Outcome(cand, "error", decision.file_type, message=type(exc).__name__)
            return self.refuse(cand, decision.file_type, f"the loader failed: {type(exc).__name__}",
                               report_reason=f"the loader failed: {type(exc).__name__}: {exc}", how="watcher")
        status = result.status
        if status == "unchanged" and result.load_id is not None:
            # The first load's report (a crash may have lost it): written again from the warehouse.
            if write_error_report(self.warehouse, result.load_id, error_report_path(staged), name=cand.label):
                result.error_report_path = error_report_path(staged)
        report = Path(result.error_report_path) if result.error_report_path else None
        try:
            self._unchanged_since(cand, seen)
        except FileChanged:
            if status != "loaded":
                return self._changed(cand)
            # Changed after the load committed (the version loaded was verified at the commit):
            # the newer version is a new drop, left in incoming/ to be loaded once it settles.
            self.tracker.restart(cand.path)
            log.warning("%s changed after its load committed; the new version stays in incoming/ and "
                        "is loaded once it settles", cand.label)
            return Outcome(cand, "loaded", result.file_type or decision.file_type, result.rows_read,
                           result.rows_accepted, result.rows_rejected, result.message, how=decision.how)
        dest, report_dest = self.move(cand, REJECTED if status == "rejected" else LOADED,
                                      report_src=report)
        self._done(cand.path)
        return Outcome(cand, status, result.file_type or decision.file_type, result.rows_read,
                       result.rows_accepted, result.rows_rejected, result.message, dest, report_dest,
                       how=decision.how, extract_date=getattr(result, "extract_date", None),
                       extract_date_source=getattr(result, "extract_date_source", None),
                       warnings=list(getattr(result, "warnings", []) or []))

    def refuse(self, cand: Candidate, file_type: str | None, reason: str, *,
               report_reason: str | None = None, how: str = "watcher") -> Outcome:
        """Reject without loading. ``reason`` is logged; ``report_reason`` (default
        ``reason``) goes to the error report, which may quote the file."""
        dest, report_dest = self.move(cand, REJECTED, report_text=report_reason or reason)
        self._done(cand.path)
        return Outcome(cand, "rejected", file_type, message=reason, destination=dest,
                       report=report_dest, how=how)

    def move(self, cand: Candidate, folder: str, *, report_src: Path | None = None,
             report_text: str | None = None) -> tuple[Path, Path | None]:
        """Move the file (its report first) to ``<provider>/<folder>/``, never overwriting,
        never following a link, never leaving the provider's folder."""
        pdir = cand.provider_dir
        with opened_dir(self.root, pdir.name, folder, create=True) as dfd, \
                opened_dir(cand.root, *cand.folder_parts) as sfd:
            name = free_name(dfd, cand.path.name, limit=name_max(dfd))
            report_name = error_report_path(name).name
            report_dest = None
            if report_src is not None and report_src.exists():
                data = report_src.read_bytes()
                write_atomic(dfd, report_name, lambda fh: fh.write(data), encoding=None)
                report_dest = pdir / folder / report_name
            elif report_text is not None:
                def write(fh) -> None:
                    csv.writer(fh).writerows(refusal_report_rows(report_text))
                write_atomic(dfd, report_name, write, encoding="utf-8-sig", newline="")
                report_dest = pdir / folder / report_name
            moved = move_no_clobber(sfd, cand.path.name, dfd, name,
                                    lambda taken: free_name(dfd, taken, limit=name_max(dfd)))
            self._move_sidecars(sfd, cand.path.name, dfd, moved)
        self.tracker.forget(cand.path)
        return pdir / folder / moved, report_dest

    @staticmethod
    def _move_sidecars(sfd: int, name: str, dfd: int, moved: str) -> None:
        """A sidecar (``NAME.extract-date``, ``NAME.meta.yml``) follows its file (best effort)."""
        from costcalc.ingest.extract_date import SIDECAR_DATE, SIDECAR_META
        from costcalc.safefs import exists_at, fit_name

        for suffix in (SIDECAR_DATE, SIDECAR_META):
            if not exists_at(sfd, name + suffix):
                continue
            target = fit_name(moved, reserve=len(suffix)) + suffix
            try:
                move_no_clobber(sfd, name + suffix, dfd, target,
                                lambda taken: fit_name(taken, reserve=9) + "_" + os.urandom(4).hex())
            except OSError as exc:
                log.warning("could not move the sidecar of %s (%s)", name, type(exc).__name__)
