"""Where a file's extract date comes from when its data has none (docs/watch.md,
"The extract date of a dropped file"; docs/contract.md §3).

In order: the data (a snapshot-date column, the loader's own finding); a date
given to ``costcalc load --extract-date``; a date in the file name; a sidecar
file beside it; its provider folder's setting; last, the day it was dropped
(or loaded), with a warning. This module reads the file name, the sidecar and
the folder setting; each answer carries its source, recorded in
``raw.load_log.extract_date_source``.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass

import yaml

#: The sources, as recorded in raw.load_log.extract_date_source.
DATA, GIVEN, FILE_NAME, SIDECAR, FOLDER, DROP_DATE, LOAD_DATE = (
    "data", "given", "file name", "sidecar", "folder", "drop date", "load date")
#: Sources that are a guess: the load warns.
GUESSED = (DROP_DATE, LOAD_DATE)

#: Sidecar names: ``<file name>.extract-date`` (one line, YYYY-MM-DD) or
#: ``<file name>.meta.yml`` (``extract_date: YYYY-MM-DD``).
SIDECAR_DATE, SIDECAR_META = ".extract-date", ".meta.yml"
#: The provider folder's settings file (``extract_date: YYYY-MM-DD``).
FOLDER_SETTINGS = "costcalc.yml"
#: Sidecars and folder settings are small; anything bigger is not read.
MAX_SIDECAR_BYTES = 4096

# Date patterns in file names, none surrounded by more digits:
#   2026-03-31 / 2026_03_31 / 2026.03.31   (year first)
#   20260331                               (year first, compact)
#   31-03-2026 / 31_03_2026 / 31.03.2026   (day first: UK order, never US)
_PATTERNS = (
    (re.compile(r"(?<!\d)((?:19|20)\d\d)([-_.])(\d\d)\2(\d\d)(?!\d)"), (1, 3, 4)),
    (re.compile(r"(?<!\d)((?:19|20)\d\d)(\d\d)(\d\d)(?!\d)"), (1, 2, 3)),
    (re.compile(r"(?<!\d)(\d\d)([-_.])(\d\d)\2((?:19|20)\d\d)(?!\d)"), (4, 3, 1)),
)


@dataclass(frozen=True)
class ExtractDate:
    date: _dt.date
    source: str

    def loader_arguments(self) -> dict:
        return {"extract_date": self.date, "extract_date_source": self.source}


def _plausible(d: _dt.date, today: _dt.date) -> bool:
    return _dt.date(1990, 1, 1) <= d <= today + _dt.timedelta(days=1)


def date_in_name(name: str, today: _dt.date | None = None) -> _dt.date | None:
    """The one date written in a file name (patterns above), or None: none, an impossible
    or future date, or two different dates (ambiguous, so neither is taken)."""
    today = today or _dt.date.today()
    found = set()
    for pattern, (y, m, d) in _PATTERNS:
        for match in pattern.finditer(name):
            try:
                value = _dt.date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError:
                continue
            if _plausible(value, today):
                found.add(value)
    return found.pop() if len(found) == 1 else None


def parse_date_text(text: str, today: _dt.date | None = None) -> _dt.date | None:
    """A YYYY-MM-DD date (the only form a sidecar or setting takes), or None."""
    today = today or _dt.date.today()
    try:
        value = _dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if _plausible(value, today) else None


def date_in_settings(text: str, today: _dt.date | None = None) -> _dt.date | None:
    """``extract_date: YYYY-MM-DD`` from a small YAML text, or None."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or "extract_date" not in data:
        return None
    value = data["extract_date"]
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value if _plausible(value, today or _dt.date.today()) else None
    return parse_date_text(str(value), today)


def read_small(dir_fd: int | None, name: str) -> str | None:
    """The text of the small regular file ``name`` (never through a link), or None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        import stat as _stat

        if not _stat.S_ISREG(st.st_mode) or st.st_size > MAX_SIDECAR_BYTES:
            return None
        return os.read(fd, MAX_SIDECAR_BYTES).decode("utf-8-sig", "replace")
    finally:
        os.close(fd)


def from_sidecar(dir_fd: int | None, name: str, today: _dt.date | None = None) -> tuple[_dt.date, str] | None:
    """The date in ``<name>.extract-date`` or ``<name>.meta.yml`` (and which), or None."""
    text = read_small(dir_fd, name + SIDECAR_DATE)
    if text is not None:
        d = parse_date_text(text, today)
        if d:
            return d, name + SIDECAR_DATE
    text = read_small(dir_fd, name + SIDECAR_META)
    if text is not None:
        d = date_in_settings(text, today)
        if d:
            return d, name + SIDECAR_META
    return None


def resolve(name: str, *, file_dir_fd: int | None = None, folder_fd: int | None = None,
            given: _dt.date | None = None, fallback: str = LOAD_DATE,
            today: _dt.date | None = None) -> ExtractDate:
    """The extract date of the file ``name`` when its data has none: ``given``, else the
    file name, else its sidecar (in ``file_dir_fd``), else the provider folder's
    ``costcalc.yml`` (in ``folder_fd``), else today as ``fallback`` ('drop date' or 'load date')."""
    today = today or _dt.date.today()
    if given is not None:
        return ExtractDate(given, GIVEN)
    d = date_in_name(name, today)
    if d:
        return ExtractDate(d, FILE_NAME)
    side = from_sidecar(file_dir_fd, name, today)
    if side:
        return ExtractDate(side[0], SIDECAR)
    if folder_fd is not None:
        text = read_small(folder_fd, FOLDER_SETTINGS)
        d = date_in_settings(text, today) if text else None
        if d:
            return ExtractDate(d, FOLDER)
    return ExtractDate(today, fallback)
