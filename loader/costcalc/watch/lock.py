"""The single-instance lock of a drop folder: two watchers never share one."""

from __future__ import annotations

import os
from pathlib import Path


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
