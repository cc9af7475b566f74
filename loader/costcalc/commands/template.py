"""``costcalc template FILE_TYPE --output F.xlsx``: the workbook a provider fills in
(costcalc.templates; docs/templates.md)."""

from __future__ import annotations

import click

from costcalc.safe_output import terminal_text
from costcalc.templates import TemplateError, write_template


@click.command("template")
@click.argument("file_type", metavar="FILE_TYPE")
@click.option("--output", "-o", "output", required=True, metavar="F.xlsx",
              type=click.Path(dir_okay=False, path_type=str),
              help="Where to write the workbook (.xlsx). An existing file is kept unless --force.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists (never a link: that is refused).")
def template_command(file_type: str, output: str, force: bool) -> None:
    """Write the Excel template a provider fills in for FILE_TYPE (seeds/file_types.csv):
    the exact headers, required columns marked, drop-downs and checks on dates and
    numbers, and an Instructions sheet. A template filled in with valid rows loads
    with no rejection."""
    try:
        ft, path = write_template(file_type, output, force=force)
    except TemplateError as exc:
        raise click.ClickException(terminal_text(str(exc), one_line=True)) from None
    click.echo(terminal_text(f"wrote {path}: the {ft.display_name} template (file type {ft.file_type}, "
                             f"schema {ft.schema_code})", one_line=True))
