"""``costcalc load FILE...``: validate providers' files and land them in raw.*.

Output never shows the value of a personal column (names, dates of birth,
addresses, reference numbers): the error report beside the file has them.
"""

from __future__ import annotations

import datetime as _dt
import sys

import click

from costcalc.ingest.landing import ERRORS_SHOWN, describe_error, load_file
from costcalc.safe_output import terminal_text
from costcalc.warehouse.connection import WarehouseBusy


def _extract_date(ctx, param, value):
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, e.g. 2024-03-31") from None


@click.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--schema", "schema", metavar="CODE", default=None,
              help="The schema (H01A, ASC01, RB01, RB03, TF01, GS00); default: recognised from the headers.")
@click.option("--file-type", "file_type", metavar="NAME", default=None,
              help="The file type (seeds/file_types.csv); default: the first file type of the schema.")
@click.option("--provider", metavar="NAME", default=None,
              help="Who sent the file; must be allowed for the file type.")
@click.option("--extract-date", "extract_date", metavar="YYYY-MM-DD", default=None, callback=_extract_date,
              help="The date the data was extracted (used when the data has no snapshot date).")
@click.option("--strict", is_flag=True, help="Reject the whole file if any row is bad.")
@click.pass_obj
def load(obj, files, schema, file_type, provider, extract_date, strict):
    """Validate FILE(s) (.xlsx or .csv) and load the good rows into the warehouse.

    Bad rows are listed in FILE.errors.csv beside each file. Exit code 1 if any
    file was rejected."""
    any_rejected = False
    for f in files:
        try:
            result = load_file(obj.warehouse, f, schema=schema, file_type=file_type, provider=provider,
                               extract_date=extract_date, strict=strict, progress=True)
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
        if result.status == "unchanged" or (result.status == "rejected" and result.rows_read == 0):
            click.echo(f"  {terminal_text(result.message, one_line=True)}")
        for e in result.errors if result.rows_read else []:
            click.echo(f"  {describe_error(e)}")
        more = result.rows_rejected and len(result.errors) >= ERRORS_SHOWN
        if more:
            click.echo(f"  (only the first {ERRORS_SHOWN} problems shown; all are in the error report)")
    if any_rejected:
        sys.exit(1)
