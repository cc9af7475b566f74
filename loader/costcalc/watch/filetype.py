"""Which file type a dropped file is loaded as: its ``incoming/<file type>/``
folder, else recognised from its headers (docs/watch.md, "How the file type is chosen")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from costcalc.ingest.readers import open_rows
from costcalc.ingest.validate import HEADER_SCAN_ROWS, find_header
from costcalc.schemas import FileType, Schema, load_file_types, load_schemas
from costcalc.watch.names import folder_key


@dataclass(frozen=True)
class Decision:
    """How to load a file: the file type to give the loader, or why the
    watcher refuses the file itself (only when it cannot tell which file type)."""

    file_type: str | None  # None: the loader searches every schema (and rejects: none fits)
    reject: str | None = None
    how: str = ""  # 'folder' | 'headers'


def read_top_rows(path: Path, limit: int = HEADER_SCAN_ROWS) -> list[list]:
    """The first ``limit`` rows of the file, read as the loader reads them."""
    source = open_rows(path)
    try:
        rows = []
        for row in source.rows:
            rows.append(list(row))
            if len(rows) >= limit:
                break
        return rows
    finally:
        source.close()


@dataclass(frozen=True)
class Recognition:
    schema_codes: tuple[str, ...]  # schemas the headers fit, best first, tied on columns matched
    closest: str | None = None  # when none fits: the nearest schema...
    missing: tuple[str, ...] = ()  # ...and its missing mandatory columns


def recognise(rows: list[list], schemas: Iterable[Schema]) -> Recognition:
    """Which schema the headers belong to, by the loader's own header search
    (:func:`costcalc.ingest.validate.find_header`) run for each schema: schemas with
    every mandatory column, ranked by the loader's score. Schemas matching as
    many columns as the best are returned too (a tie the provider may break)."""
    matches = [m for m in (find_header(rows, s) for s in schemas if s.recognise_from_headers) if m is not None]
    if not matches:
        return Recognition(())
    matches.sort(key=lambda m: m.score(), reverse=True)
    best = matches[0]
    if not best.fits:
        return Recognition((), best.schema.code, tuple(best.missing))
    tied = [m.schema.code for m in matches if m.fits and len(m.mapping) == len(best.mapping)]
    return Recognition(tuple(tied))


def decide_file_type(provider: str, subfolder: str | None, path: Path,
                     file_types: dict[str, FileType] | None = None,
                     schemas: dict[str, Schema] | None = None) -> Decision:
    """The file type a provider's file is loaded as (docs/watch.md, "How the file type is chosen").

    The watcher refuses a file itself only when the provider may not send the
    file type its folder names, or the headers fit several file types the
    provider may send. Every other verdict is the loader's (unknown file type,
    a recognised schema the provider may not send, unreadable files, headers
    that fit no schema), and is recorded in ``raw.load_log``.
    """
    file_types = file_types if file_types is not None else load_file_types()
    schemas = schemas if schemas is not None else load_schemas()

    if subfolder is not None:
        key = folder_key(subfolder)
        ft = next((f for f in file_types.values()
                   if key in (folder_key(f.file_type), folder_key(f.display_name))), None)
        if ft is not None and not ft.allows(provider):
            # Checked here, before any reading: the permission is the reason, whatever the headers.
            allowed = sorted(f.file_type for f in file_types.values() if f.allows(provider))
            return Decision(None, reject=f"provider {provider!r} is not allowed to send file type "
                                         f"{ft.file_type}; it may send: {', '.join(allowed) or 'nothing'}",
                            how="folder")
        # An unknown folder name goes to the loader as it is: it rejects it, naming the known ones.
        return Decision(ft.file_type if ft else subfolder, how="folder")

    try:
        rows = read_top_rows(path)
    except Exception:  # unreadable: the loader rejects it with the reason and the fix
        return Decision(None, how="headers")
    rec = recognise(rows, schemas.values())
    if not rec.schema_codes:  # fits no schema: the loader says which is closest and what is missing
        return Decision(None, how="headers")

    def types_for(codes: Iterable[str]) -> list[FileType]:
        return [ft for ft in file_types.values() if ft.schema_code in codes and ft.allows(provider)]

    choices = types_for(rec.schema_codes[:1])
    if not choices:  # the best fit is not this provider's: does an equally good one fit?
        choices = types_for(rec.schema_codes[1:])
    if not choices:
        # Never fall back to a weaker match: the loader rejects the file as a
        # file type this provider may not send.
        best = next((ft for ft in file_types.values() if ft.schema_code == rec.schema_codes[0]), None)
        return Decision(best.file_type if best else None, how="headers")
    # A file type naming the provider beats one open to any provider ('*').
    named = [ft for ft in choices if provider in ft.allowed_providers]
    if named:
        choices = named
    if len(choices) > 1:
        return Decision(None, reject="the headers fit more than one file type this provider may send ("
                                     + ", ".join(ft.file_type for ft in choices)
                                     + "); put the file in incoming/<file type>/ to say which", how="headers")
    return Decision(choices[0].file_type, how="headers")
