"""File operations that never follow a symbolic link.

Providers reach the watched folder over SFTP or SMB and can create any name
there, symbolic links included. Everything costcalc writes, moves or reads
in such a folder goes through this module:

- folders are opened one component at a time with ``O_NOFOLLOW``
  (:func:`open_dir`), and files are then named relative to that folder's
  descriptor, so a link planted anywhere on the way is refused, never
  followed, and a move can never leave the folder it was given;
- a file is written under a private temporary name created with
  ``O_CREAT | O_EXCL | O_NOFOLLOW`` and then renamed over its final name
  (:func:`write_atomic`): the rename replaces whatever has that name, a link
  included, without writing through it;
- a move never replaces an existing file (:func:`move_no_clobber`);
- a name is shortened, keeping its extension, to fit the folder's name
  length limit (:func:`fit_name`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TextIO

#: Flags of a directory opened without following a link.
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
#: Flags of a file opened for reading without following a link (and without blocking on a FIFO).
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
#: The usual limit of a file name, in bytes (ext4, XFS, NTFS via SMB: 255).
DEFAULT_NAME_MAX = 255


class UnsafePath(OSError):
    """A path component is a symbolic link (or not what it should be): refused, not followed."""


def open_dir(base: int | str | os.PathLike, *parts: str, create: bool = False) -> int:
    """A descriptor of the folder ``base/parts...``, each of ``parts`` opened with
    ``O_NOFOLLOW`` relative to the previous one (``base`` itself is trusted: it is
    the folder the administrator named). With ``create``, missing folders are made.
    Raises :class:`UnsafePath` when a component is a link or not a folder."""
    fd = os.open(base, _DIR_FLAGS & ~getattr(os, "O_NOFOLLOW", 0)) if not isinstance(base, int) else os.dup(base)
    try:
        for part in parts:
            if part in ("", ".", "..") or "/" in part or "\0" in part:
                raise UnsafePath(errno.EINVAL, "not a plain folder name", part)
            if create:
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
            try:
                nfd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, getattr(errno, "EMLINK", -1)):
                    raise UnsafePath(exc.errno, "a symbolic link or not a folder", part) from None
                raise
            os.close(fd)
            fd = nfd
        return fd
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def opened_dir(base: int | str | os.PathLike, *parts: str, create: bool = False) -> Iterator[int]:
    fd = open_dir(base, *parts, create=create)
    try:
        yield fd
    finally:
        os.close(fd)


def lstat_at(dir_fd: int, name: str) -> os.stat_result | None:
    """``lstat`` of ``name`` in the folder ``dir_fd`` (None if absent)."""
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def exists_at(dir_fd: int, name: str) -> bool:
    """True if anything (a link included, even a dangling one) has ``name`` in ``dir_fd``."""
    return lstat_at(dir_fd, name) is not None


def name_max(dir_fd: int | None = None) -> int:
    """The longest file name (bytes) the folder accepts."""
    if dir_fd is not None:
        try:
            return int(os.fpathconf(dir_fd, "PC_NAME_MAX"))
        except (OSError, ValueError, AttributeError):
            pass
    return DEFAULT_NAME_MAX


def split_extension(name: str) -> tuple[str, str]:
    """``('ta_march', '.xlsx')``; an extension is short and has no spaces (``'a.b c'`` has none)."""
    dot = name.rfind(".")
    if dot <= 0 or len(name) - dot > 16 or " " in name[dot:]:
        return name, ""
    return name[:dot], name[dot:]


def fit_name(name: str, *, reserve: int = 0, limit: int = DEFAULT_NAME_MAX) -> str:
    """``name``, shortened if needed so that it plus ``reserve`` more bytes fits in
    ``limit`` bytes: the stem is cut (on a character boundary) and marked with ``~``
    and 8 hex digits of the full name's hash, so two long names that share a
    beginning stay apart; the extension is kept."""
    if len(name.encode("utf-8")) + reserve <= limit:
        return name
    stem, ext = split_extension(name)
    tag = "~" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    room = limit - reserve - len(ext.encode("utf-8")) - len(tag)
    if room < 1:  # an absurd extension: keep none of it
        ext, room = "", limit - reserve - len(tag)
    cut = stem.encode("utf-8", "surrogateescape")[:max(1, room)].decode("utf-8", "ignore")
    return cut + tag + ext


def _private_name(hint: str = "") -> str:
    return f".costcalc-{secrets.token_hex(8)}{hint}.tmp"


def write_atomic(dir_fd: int, name: str, write: Callable[[TextIO], None], *,
                 encoding: str | None = "utf-8", newline: str | None = None, mode: int = 0o640) -> None:
    """Write the text file ``name`` in the folder ``dir_fd``: ``write(fh)`` fills a new
    file with a private temporary name (``O_CREAT|O_EXCL|O_NOFOLLOW``: never an existing
    file, never through a link), which then replaces ``name`` atomically. A link
    at ``name`` is replaced, not followed. On failure nothing is left behind.
    ``encoding=None`` writes bytes."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    tmp = _private_name()
    fd = os.open(tmp, flags, mode, dir_fd=dir_fd)
    try:
        with (os.fdopen(fd, "wb") if encoding is None else
              os.fdopen(fd, "w", encoding=encoding, newline=newline)) as fh:
            write(fh)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        raise


def write_atomic_path(path: str | os.PathLike, write: Callable[[TextIO], None], **kwargs) -> None:
    """:func:`write_atomic` for a path: its folder is opened as given, the file itself is
    never followed."""
    path = Path(path)
    with opened_dir(path.parent if str(path.parent) else ".") as dfd:
        write_atomic(dfd, path.name, write, **kwargs)


def unlink_at(dir_fd: int, name: str) -> bool:
    """Remove ``name`` (a link is removed itself, never its target); False if absent."""
    try:
        st = lstat_at(dir_fd, name)
        if st is None:
            return False
        if stat.S_ISDIR(st.st_mode):
            return False
        os.unlink(name, dir_fd=dir_fd)
        return True
    except FileNotFoundError:
        return False


def move_no_clobber(src_fd: int, src_name: str, dst_fd: int, dst_name: str,
                    free_name: Callable[[str], str]) -> str:
    """Move ``src_name`` (a link is moved as the link) from folder ``src_fd`` to
    folder ``dst_fd`` without ever replacing an existing entry; when ``dst_name``
    is taken, ``free_name(dst_name)`` gives another. Returns the name used."""
    while True:
        try:
            os.link(src_name, dst_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)
        except FileExistsError:
            dst_name = free_name(dst_name)
            continue
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise
            # Filesystems without hard links (some network shares, FAT): check, then rename.
            if exists_at(dst_fd, dst_name):
                dst_name = free_name(dst_name)
                continue
            os.rename(src_name, dst_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)
            return dst_name
        try:
            os.unlink(src_name, dir_fd=src_fd)
        except FileNotFoundError:
            pass
        return dst_name


def open_regular(dir_fd: int, name: str) -> int:
    """A read descriptor of the regular file ``name`` in ``dir_fd``; a link, FIFO,
    device or folder is refused (:class:`UnsafePath`)."""
    try:
        fd = os.open(name, READ_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePath(exc.errno, "a symbolic link", name) from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafePath(errno.EINVAL, "not a regular file", name)
    return fd
