"""Names in the watched folder: which files are candidates, how folder names
compare, and the free names files get in ``loaded/`` and ``rejected/``."""

from __future__ import annotations

import datetime as _dt
import itertools
import re

from costcalc.ingest.landing import REPORT_SUFFIX, error_report_path, is_error_report
from costcalc.safefs import DEFAULT_NAME_MAX, exists_at, fit_name, split_extension

INCOMING, LOADED, REJECTED = "incoming", "loaded", "rejected"

#: Suffixes of files still being copied or downloaded: never touched.
PARTIAL_SUFFIXES = (
    ".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart",
    ".opdownload", ".!ut", ".swp", ".lock", ".lck",
)
#: System clutter that is neither data nor a mistake worth rejecting.
CLUTTER_NAMES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})
#: Files beside a data file that describe it (docs/watch.md, "The extract date"): never loaded.
SIDECAR_SUFFIXES = (".extract-date", ".meta.yml")
#: A provider's folder settings file (docs/watch.md): never loaded.
FOLDER_SETTINGS = "costcalc.yml"


def folder_key(text: str) -> str:
    """Provider and file-type folder names match case-insensitively, with
    spaces and hyphens standing for underscores (``Housing Needs`` =
    ``housing-needs`` = ``housing_needs``)."""
    return re.sub(r"[\s\-_]+", "_", text.strip()).strip("_").lower()


def ignore_reason(name: str) -> str | None:
    """Why a file in ``incoming/`` is left alone, or None if it is a candidate."""
    lower = name.lower()
    if name.startswith("~$"):
        return "Office lock file"
    if name.startswith("."):
        return "hidden file"
    if name.endswith("~") or lower.endswith(PARTIAL_SUFFIXES):
        return "partial or temporary file"
    if lower in CLUTTER_NAMES:
        return "system file"
    if is_error_report(name):
        return "error report"
    if lower.endswith(SIDECAR_SUFFIXES) or lower == FOLDER_SETTINGS:
        return "settings for another file"
    return None


def timestamp_suffix(now: _dt.datetime | None = None) -> str:
    return (now or _dt.datetime.now()).strftime("%Y%m%dT%H%M%S")


def free_name(dir_fd: int, name: str, now: _dt.datetime | None = None,
              limit: int = DEFAULT_NAME_MAX) -> str:
    """A name for ``name`` in the folder ``dir_fd`` that is free, for the file and for its
    error report: ``name`` itself, else ``<stem>_<timestamp><suffix>``, else with ``_2``,
    ``_3``... Every name fits the folder's name length with room for the report's
    ``.errors.csv`` (a long stem is shortened, the extension kept), so a move never
    fails for the name's length. Never an existing entry (links included)."""
    stamp = timestamp_suffix(now)
    for extra in itertools.chain(("", f"_{stamp}"), (f"_{stamp}_{n}" for n in itertools.count(2))):
        room = limit - len(REPORT_SUFFIX) - len(extra.encode("utf-8"))
        stem, suffix = split_extension(fit_name(name, limit=room))
        cand = f"{stem}{extra}{suffix}"
        if not exists_at(dir_fd, cand) and not exists_at(dir_fd, error_report_path(cand).name):
            return cand
    raise AssertionError("unreachable")
