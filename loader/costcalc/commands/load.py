"""``costcalc load FILE...``: validate providers' files and land them in raw.*.

Output never shows the value of a personal column (names, dates of birth,
addresses, reference numbers): the error report beside the file has them.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from pathlib import Path

import click

from costcalc.ingest.extract_date import LOAD_DATE, resolve
from costcalc.ingest.landing import ERRORS_SHOWN, describe_error, load_file
from costcalc.ingest.messages import quoted
from costcalc.schemas import load_file_types, load_schemas
from costcalc.settings import SettingsError, load_settings
from costcalc.safe_output import terminal_text
from costcalc.warehouse.connection import WarehouseBusy


def _extract_date(ctx, param, value):
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, e.g. 2024-03-31") from None


def _schema_help() -> str:
    """The --schema help, listing the schemas of the registry (schemas/*.yaml)."""
    return ("The schema (" + ", ".join(load_schemas()) + "); default: recognised from the headers. "
            "`costcalc schema list` shows them.")


def _file_type_help() -> str:
    return ("The file type (" + ", ".join(load_file_types()) + "; seeds/file_types.csv); "
            "default: the first file type of the schema.")
def _file_extract_date(f: str, given: _dt.date | None):
    """--extract-date, else a date in the file name, else its sidecar, else the load date
    (costcalc.ingest.extract_date; the data's own snapshot date beats them all)."""
    folder = Path(f).parent
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        fd = None
    try:
        return resolve(Path(f).name, file_dir_fd=fd, given=given, fallback=LOAD_DATE)
    finally:
        if fd is not None:
            os.close(fd)


@click.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--schema", "schema", metavar="CODE", default=None,
              help=_schema_help())
@click.option("--file-type", "file_type", metavar="NAME", default=None,
              help=_file_type_help())
@click.option("--provider", metavar="NAME", default=None,
              help="Who sent the file; must be allowed for the file type.")
@click.option("--extract-date", "extract_date", metavar="YYYY-MM-DD", default=None, callback=_extract_date,
              help="The date the data was extracted (used when the data has no snapshot date); "
                   "default: a date in the file name (e.g. ta_2026-03-31.xlsx), else a "
                   "FILE.extract-date sidecar, else today (with a warning).")
@click.option("--strict", is_flag=True, help="Reject the whole file if any row is bad.")
@click.pass_obj
def load(obj, files, schema, file_type, provider, extract_date, strict):
    """Validate FILE(s) (.xlsx, .xls or .csv) and load the good rows into the warehouse.

    Bad rows are listed in FILE.errors.csv beside each file. A file with no good
    row, or with more bad rows than loading.max_rejected_share of costcalc.yml
    (default 50%), is rejected whole. Exit code 1 if any file was rejected, 2 if
    the warehouse is busy."""
    try:
        load_settings()  # a broken costcalc.yml is said once, before any file
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    any_rejected = False
    for f in files:
        found = _file_extract_date(f, extract_date)
        try:
            result = load_file(obj.warehouse, f, schema=schema, file_type=file_type, provider=provider,
                               strict=strict, progress=True, **found.loader_arguments())
        except WarehouseBusy as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        if result.status == "rejected":
            any_rejected = True
        report = f"; errors: {result.error_report_path}" if result.error_report_path else ""
        # File names can hold control characters (ESC sequences): stripped (costcalc.safe_output).
        click.echo(terminal_text(f"{result.source_file}: {result.status}; rows read {result.rows_read}, "
                                 f"accepted {result.rows_accepted}, rejected {result.rows_rejected}"
                                 f"{' [' + result.schema_code + ']' if result.schema_code else ''}{report}",
                                 one_line=True))
        if result.status in ("unchanged", "rejected"):
            click.echo(f"  {terminal_text(result.message, one_line=True)}")
        for header, hint in result.unrecognised:  # header names are not personal data
            click.echo(terminal_text(f"  column {quoted(header)} not recognised: its values are not loaded"
                                     + (f"; {hint}" if hint else ""), one_line=True))
        for w in result.warnings:
            click.echo(f"  warning: {terminal_text(w, one_line=True)}")
        for e in result.errors if result.rows_read else []:
            click.echo(f"  {describe_error(e)}")
        more = result.rows_rejected and len(result.errors) >= ERRORS_SHOWN
        if more:
            click.echo(f"  (only the first {ERRORS_SHOWN} problems shown; all are in the error report)")
    if any_rejected:
        sys.exit(1)
