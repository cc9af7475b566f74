"""``costcalc purge [--dry-run]``: remove personal data that outlived its retention period (docs/retention.md)."""

from __future__ import annotations

from pathlib import Path

import click

from costcalc.governance.retention import PurgeFailed, purge
from costcalc.safe_output import terminal_text
from costcalc.settings import SettingsError, load_settings


@click.command("purge")
@click.option("--folder", "folders", multiple=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A watched folder (as given to `costcalc watch`) whose loaded/ and rejected/ files and error "
                   "reports are purged (repeatable). Without it only the warehouse is purged.")
@click.option("--dry-run", is_flag=True, help="Show what would be removed; change nothing.")
@click.pass_obj
def purge_command(obj, folders: tuple[Path, ...], dry_run: bool) -> None:
    """Remove what has outlived its retention period (costcalc.yml retention:):
    loaded and rejected files and their error reports in the watched folder,
    the values of rejected rows, and old audit log rows.

    Prints counts by kind and provider folder, never a file name or a value.
    Each purge (not a dry run) is recorded in raw.purge_log; `costcalc loads`
    shows which loads' files and values were purged. The watcher runs it daily.
    """
    try:
        settings = load_settings().retention
        result = purge(obj.warehouse, folders, dry_run=dry_run, settings=settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    except PurgeFailed as exc:
        raise click.ClickException(terminal_text(str(exc), one_line=True)) from None
    click.echo(result.summary(), nl=False)
