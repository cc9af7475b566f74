"""Scanning the drop folder: which files are waiting in ``<provider>/incoming/``.

Nothing here follows a symbolic link (docs/watch.md, "Links and other
non-files"): the folders are read through descriptors opened with
``O_NOFOLLOW``, a linked provider folder, ``incoming/``, ``loaded/``,
``rejected/`` or file-type folder is skipped with a warning (logged once),
and a link (or FIFO, socket, device) found among the files is returned as a
candidate of kind ``'link'``/``'special'`` that is refused, never opened
(a link in ``incoming/`` is one, whether it points to a file or a folder).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from costcalc.safefs import UnsafePath, open_dir, opened_dir
from costcalc.watch.names import INCOMING, LOADED, REJECTED, folder_key, ignore_reason

log = logging.getLogger("costcalc.watch")


@dataclass(frozen=True)
class Candidate:
    path: Path
    provider: str  # normalised folder name
    provider_dir: Path
    subfolder: str | None  # incoming/<subfolder>/, as written
    kind: str = "file"  # 'file' | 'link' (a symbolic link) | 'special' (FIFO, socket, device)

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.path.name}"

    @property
    def root(self) -> Path:
        return self.provider_dir.parent

    @property
    def folder_parts(self) -> tuple[str, ...]:
        """The file's folder, relative to the drop root."""
        parts = (self.provider_dir.name, INCOMING)
        return parts + ((self.subfolder,) if self.subfolder is not None else ())

    def open_folder(self) -> int:
        """A descriptor of the file's folder, opened without following any link."""
        return open_dir(self.root, *self.folder_parts)


class Scanner:
    """Lists the candidates of a drop root, warning once about each unusable folder."""

    def __init__(self, root: Path):
        self.root = root
        self._warned: set[str] = set()

    def warn_once(self, key: str, message: str, *args) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)

    def provider_dirs(self) -> list[Path]:
        """Provider folders: real folders (not links) directly in the root, not hidden."""
        out = []
        for name, kind in self._entries():
            if name.startswith((".", "~$")):
                continue
            if kind == "link":
                self.warn_once("link:" + name, "%s in the drop folder is a symbolic link: ignored "
                               "(a provider folder must be a real folder)", name)
            elif kind == "dir":
                out.append(self.root / name)
        return out

    def _usable(self, pdir: Path) -> bool:
        """incoming/ exists, and neither it nor loaded/ or rejected/ is a link or a file."""
        for sub in (INCOMING, LOADED, REJECTED):
            try:
                os.close(open_dir(self.root, pdir.name, sub))
            except FileNotFoundError:
                if sub == INCOMING:
                    return False
            except UnsafePath:
                self.warn_once(f"unsafe:{pdir.name}/{sub}", "%s/%s is a symbolic link or not a folder: "
                               "the files of %s are not touched until it is a real folder",
                               pdir.name, sub, pdir.name)
                return False
            except OSError:
                return False
        return True

    def scan(self) -> list[Candidate]:
        """Every candidate in every ``<provider>/incoming/`` (and its subfolders, one level)."""
        out: list[Candidate] = []
        for pdir in self.provider_dirs():
            if not self._usable(pdir):
                continue
            provider = folder_key(pdir.name)
            out.extend(self._files(pdir, provider, None))
            for name, kind in self._entries(pdir.name, INCOMING):
                # A link (to a file or a folder) is a 'link' candidate of incoming/ itself.
                if kind == "dir" and not ignore_reason(name):
                    out.extend(self._files(pdir, provider, name))
        return out

    def _entries(self, *parts: str) -> list[tuple[str, str]]:
        """(name, kind) of each entry of the folder, kind 'file' | 'dir' | 'link' | 'special',
        all read with lstat (never following a link)."""
        try:
            with opened_dir(self.root, *parts) as fd:
                out = []
                for name in sorted(os.listdir(fd)):
                    try:
                        mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
                    except OSError:
                        continue
                    kind = ("link" if stat.S_ISLNK(mode) else "dir" if stat.S_ISDIR(mode)
                            else "file" if stat.S_ISREG(mode) else "special")
                    out.append((name, kind))
                return out
        except UnsafePath:
            self.warn_once("unsafe:" + "/".join(parts), "%s is a symbolic link: ignored", "/".join(parts))
            return []
        except OSError:
            return []

    def _files(self, pdir: Path, provider: str, subfolder: str | None) -> list[Candidate]:
        parts = (pdir.name, INCOMING) + ((subfolder,) if subfolder else ())
        folder = self.root.joinpath(*parts)
        return [Candidate(folder / name, provider, pdir, subfolder, kind)
                for name, kind in self._entries(*parts) if kind != "dir" and not ignore_reason(name)]


def is_link_error(exc: BaseException) -> bool:
    return isinstance(exc, UnsafePath) or (isinstance(exc, OSError) and exc.errno == errno.ELOOP)
