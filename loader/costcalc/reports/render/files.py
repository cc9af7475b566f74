"""Writing a report file: never through a link, never over a folder or device, never half a file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from costcalc import safefs
from costcalc.reports.errors import ReportError


def write_output(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically (a temporary file renamed over it). An
    existing ``path`` must be a regular file: a symbolic link, folder, FIFO or device
    there is refused with a message (never followed, never replaced)."""
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise ReportError(f"--output {path}: give a file name")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise ReportError(f"--output {path}: cannot be checked ({exc.strerror or type(exc).__name__})") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        what = "a symbolic link" if stat.S_ISLNK(st.st_mode) else \
            "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise ReportError(f"--output {path}: is {what}; refusing to write there (give a new file name)")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        safefs.write_atomic_path(path, lambda fh: fh.write(payload), encoding=None, mode=0o644)
    except safefs.UnsafePath as exc:
        raise ReportError(f"--output {path}: a folder on the way is a symbolic link or not a folder "
                          f"({exc.filename}); refusing to write") from None
    except FileNotFoundError:
        raise ReportError(f"--output {path}: the folder {path.parent} does not exist") from None
    except OSError as exc:
        raise ReportError(f"--output {path}: cannot be written ({exc.strerror or type(exc).__name__})") from None
    return path
