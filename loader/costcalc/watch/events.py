"""Filesystem events: the wake-up calls of the watch loop.

Events only wake the loop (what is loaded is decided by listing the folders),
with one exception: on inotify, a write to a file without the matching close
marks the file as still being written (costcalc.watch.settling), so a copy
that pauses longer than the settle interval is not loaded half-written.
NFS/SMB mounts are polled (inotify misses other machines' writes there).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from watchdog.events import FileClosedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileSystemEventHandler

from costcalc.watch.names import INCOMING
from costcalc.watch.settling import ReadinessTracker

log = logging.getLogger("costcalc.watch")

#: Filesystems on which inotify does not see changes made by other machines.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "9p", "davfs", "fuse.sshfs",
    "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse", "fuse.glusterfs", "ceph", "glusterfs", "lustre",
    "fuse.dfs", "vboxsf", "prl_fs", "fuse.vmhgfs-fuse", "drvfs", "9p2000",
})


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


class WakeHandler(FileSystemEventHandler):
    """Wakes the scan loop on any event; with ``tracker``, also tells it which files a
    writer has open (a write seen, its close not yet)."""

    def __init__(self, wake: threading.Event, tracker: ReadinessTracker | None = None):
        super().__init__()
        self.wake = wake
        self.tracker = tracker

    def dispatch(self, event) -> None:
        t = self.tracker
        if t is not None and not event.is_directory:
            if isinstance(event, FileModifiedEvent):
                t.written(Path(event.src_path))
            elif isinstance(event, (FileClosedEvent, FileDeletedEvent)):
                t.closed(Path(event.src_path))
            elif isinstance(event, FileMovedEvent):
                t.closed(Path(event.src_path))
        self.wake.set()


class FolderEvents:
    """The watchdog observer of a drop root: inotify where it works, else polling."""

    def __init__(self, root: Path, wake: threading.Event, tracker: ReadinessTracker, *, settle: float,
                 poll: bool, rescan_interval: float, provider_dirs: Callable[[], list[Path]]):
        self.root, self.wake, self.tracker = root, wake, tracker
        self.settle, self.poll, self.rescan_interval = settle, poll, rescan_interval
        self.provider_dirs = provider_dirs
        self.polling = False
        self._observer = None
        self._watched: dict[str, object] = {}

    def start(self) -> None:
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
                self.polling = False
                self.sync(raise_errors=True)
                self._observer.start()
                return
            except OSError as exc:
                log.warning("filesystem events are not available (%s); polling instead", type(exc).__name__)
                self.stop()
        self._observer = PollingObserver(timeout=poll_timeout)
        self._watched = {}
        self.polling = True
        self.sync()
        self._observer.start()

    def stop(self) -> None:
        obs, self._observer = self._observer, None
        if obs is None:
            return
        try:
            obs.stop()
            if obs.is_alive():
                obs.join(timeout=5)
        except Exception:  # stopping must never hide the reason we are stopping
            log.debug("observer did not stop cleanly", exc_info=True)

    def sync(self, raise_errors: bool = False) -> None:
        """Watch the root (for new providers), each provider folder (for a new
        ``incoming/``) and each ``incoming/`` tree; not ``loaded/`` or ``rejected/``.
        Linked folders are not watched (the scanner ignores them)."""
        if self._observer is None:
            return
        wanted: dict[str, bool] = {str(self.root): False}
        for pdir in self.provider_dirs():
            wanted[str(pdir)] = False
            inc = pdir / INCOMING
            if inc.is_dir() and not inc.is_symlink():
                wanted[str(inc)] = True
        # Polling sees no closes: only inotify's events may say a file is still open.
        handler = WakeHandler(self.wake, None if self.polling else self.tracker)
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
