"""Settling: is a dropped file completely written? (docs/watch.md, "When a file is loaded")

A file is ready once its size, modification time and inode have not changed
for the settle interval, it can be opened, it looks complete (a workbook is a
whole zip archive; a CSV ends with a line break) and, where filesystem events
are available, no writer still holds it open (a write seen without the
matching close). Before and after the load the handler checks again
(costcalc.watch.handling): a file that changed meanwhile is not loaded.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from costcalc.ingest.readers.xls import MAX_BYTES, OLE_MAGIC, is_workbook

log = logging.getLogger("costcalc.watch")

#: What tells one version of a file from another: (inode, size, mtime in ns).
Signature = tuple[int, int, int]

#: How long a file a writer keeps open (without writing) waits before it is judged anyway.
OPEN_WRITER_LIMIT = 15 * 60.0


@dataclass
class Pending:
    signature: Signature
    since: float


def signature(path: Path) -> Signature | None:
    """The file's version, read without following a link (None: gone or not a file)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _open_nofollow(path: Path):
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    return os.fdopen(fd, "rb")


def openable(path: Path) -> bool:
    """Can be opened for reading (on Windows a file still being written is locked)."""
    try:
        with _open_nofollow(path) as fh:
            fh.read(1)
        return True
    except OSError:
        return False


def last_change_age(path: Path) -> float:
    """Seconds since the file's content or metadata last changed (wall clock)."""
    try:
        st = os.lstat(path)
    except OSError:
        return 0.0
    return time.time() - max(st.st_mtime, st.st_ctime)


def looks_complete(path: Path) -> bool:
    """A workbook is a zip whose directory is written last: a partial copy is not a
    zip yet. An .xls is whole when its workbook stream can be read to its end. A CSV
    (or text file) ends with a line break once its last row is written;
    one cut off mid-row does not. Other files are judged by size and time alone."""
    try:
        with _open_nofollow(path) as fh:
            head = fh.read(4)
            if path.suffix.lower() in (".xlsx", ".xlsm") or head == b"PK\x03\x04":
                return zipfile.is_zipfile(fh)
            if path.suffix.lower() == ".xls" or head == OLE_MAGIC[:4]:
                # an .xls (OLE2 compound file) is whole when its workbook stream can be
                # followed to its end: a partial copy's sector chains run past the end
                fh.seek(0)
                return is_workbook(fh.read(MAX_BYTES + 1))
            if path.suffix.lower() in (".csv", ".txt") and head:
                fh.seek(-1, os.SEEK_END)
                return fh.read(1) in (b"\n", b"\r")
            return True
    except OSError:
        return False


#: The former name (the check began with workbooks only).
complete_workbook = looks_complete


class ReadinessTracker:
    """Remembers each file's signature; a file is ready once it has not changed
    for ``settle`` seconds, can be opened, looks complete and no writer holds it open."""

    def __init__(self, settle: float, grace: float, clock: Callable[[], float] = time.monotonic):
        self.settle = settle
        self.grace = grace  # how long a stable but incomplete-looking file waits before the loader judges it
        self.clock = clock
        self.pending: dict[Path, Pending] = {}
        # Files a writer has written to without closing them yet (filesystem events only).
        self._writing: dict[Path, float] = {}
        self._lock = threading.Lock()

    # -- filesystem events (from the observer's thread) ------------------------
    def written(self, path: Path) -> None:
        with self._lock:
            self._writing[Path(path)] = self.clock()

    def closed(self, path: Path) -> None:
        with self._lock:
            self._writing.pop(Path(path), None)

    def being_written(self, path: Path) -> bool:
        with self._lock:
            last = self._writing.get(path)
        if last is None:
            return False
        if self.clock() - last >= OPEN_WRITER_LIMIT:
            log.warning("%s has been held open by a writer for %.0f minutes without a change; "
                        "loading it anyway", path.name, OPEN_WRITER_LIMIT / 60)
            self.closed(path)
            return False
        return True

    # -- scans ----------------------------------------------------------------
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
        if stable_for < self.settle or self.being_written(path) or not openable(path):
            return False
        if looks_complete(path):
            return True
        # Not complete-looking yet: a stalled copy, or a corrupt file. After
        # ``grace`` seconds without change the loader judges (and rejects) it.
        return stable_for >= self.grace or last_change_age(path) >= self.grace

    def signature_seen(self, path: Path) -> Signature | None:
        entry = self.pending.get(path)
        return entry.signature if entry else None

    def restart(self, path: Path) -> None:
        """Measure ``path`` from now on as if just seen (it changed while being loaded)."""
        self.pending.pop(path, None)

    def forget(self, path: Path) -> None:
        self.pending.pop(path, None)
        self.closed(path)
