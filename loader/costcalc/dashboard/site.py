"""Rendering the dashboard into a folder, swapped in whole.

Every page is rendered first, into a new folder beside the target
(``.<name>.costcalc-<random>.tmp``); only when all are written is that folder
swapped with the target in one step (Linux ``renameat2(RENAME_EXCHANGE)``; where
that is missing, two renames, between which the folder is briefly absent but
never half-written). A reader, or a web server, sees the old site or the new
one, never a mix; a page that is no longer made (a service gone) disappears.

The target is replaced only when it is a costcalc dashboard (it holds the
marker file ``.costcalc-dashboard``) or an empty folder: ``costcalc publish ~``
refuses, it does not swap your home folder away. A symbolic link as the target
is refused too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import secrets
import shutil
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from costcalc import safefs
from costcalc.reports.errors import ReportError
from costcalc.reports.filters import ReportFilters

MARKER = ".costcalc-dashboard"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class DashboardError(ReportError):
    """The dashboard cannot be published (the message says why; the old site stays)."""


@dataclass(frozen=True)
class PublishedSite:
    folder: Path
    pages: tuple[str, ...]


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False when the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, getattr(errno, "EOPNOTSUPP", errno.ENOTSUP)):
        return False
    raise OSError(err, os.strerror(err), str(b))


def check_target(folder: Path) -> bool:
    """Whether ``folder`` exists (and may be replaced); raises when it must not be."""
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        if not folder.parent.is_dir():
            raise DashboardError(f"{folder}: the folder {folder.parent} does not exist") from None
        return False
    if stat.S_ISLNK(st.st_mode):
        raise DashboardError(f"{folder}: is a symbolic link; refusing to publish there (name the real folder)")
    if not stat.S_ISDIR(st.st_mode):
        raise DashboardError(f"{folder}: is not a folder; refusing to replace it")
    entries = os.listdir(folder)
    if entries and MARKER not in entries:
        raise DashboardError(f"{folder}: holds files that are not a costcalc dashboard; refusing to replace it "
                             "(name a new or empty folder)")
    return True


def _write_site(tmp: Path, pages) -> None:
    with safefs.opened_dir(tmp) as dfd:
        for page in pages:
            data = page.html.encode("utf-8")
            safefs.write_atomic(dfd, page.file_name, lambda fh, data=data: fh.write(data), encoding=None,
                                mode=0o644)
        safefs.write_atomic(dfd, MARKER, lambda fh: fh.write(b"Made by `costcalc publish`; replaced whole on "
                                                             b"each publish.\n"), encoding=None, mode=0o644)
        os.fsync(dfd)


def _clean_stale(folder: Path) -> None:
    """Remove the temporary folders a killed publish left beside ``folder``."""
    for p in folder.parent.glob(f".{folder.name}.costcalc-*.tmp"):
        try:
            if p.is_dir() and not p.is_symlink() and (p / MARKER).exists():
                shutil.rmtree(p)
        except OSError:
            pass


def publish_site(warehouse: str | os.PathLike, folder: str | os.PathLike, *, date_from: date | None = None,
                 date_to: date | None = None) -> PublishedSite:
    """Render the dashboard of ``warehouse``'s published marts into ``folder``."""
    from costcalc import reports
    from costcalc.dashboard.pages import build_pages
    from costcalc.reports.render.provenance import read_provenance

    folder = Path(os.path.abspath(folder))
    exists = check_target(folder)
    filters = ReportFilters(date_from=date_from, date_to=date_to)
    con = reports.connect_published(warehouse)
    try:
        provenance = read_provenance(con)
        pages = build_pages(con, filters, provenance)
    finally:
        con.close()
    _clean_stale(folder)
    tmp = folder.parent / f".{folder.name}.costcalc-{secrets.token_hex(6)}.tmp"
    os.mkdir(tmp, 0o755)
    try:
        _write_site(tmp, pages)
        if not exists:
            os.rename(tmp, folder)
        elif _exchange(tmp, folder):
            shutil.rmtree(tmp)  # tmp now holds the old site
        else:
            old = folder.parent / f".{folder.name}.costcalc-{secrets.token_hex(6)}.tmp"
            os.rename(folder, old)
            os.rename(tmp, folder)
            shutil.rmtree(old)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DashboardError(f"{folder}: cannot publish the dashboard ({exc.strerror or type(exc).__name__}); "
                             "the previous site, if any, is unchanged") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PublishedSite(folder, tuple(p.file_name for p in pages))
