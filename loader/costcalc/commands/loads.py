"""``costcalc loads``: every load, who made it, and whether it was unloaded or purged (docs/retention.md)."""

from __future__ import annotations

import click

from costcalc.commands.report import DAY
from costcalc.governance.load_history import (FORMATS, STATUSES, HistoryError, HistoryFilters, format_history,
                                              load_history)
from costcalc.safe_output import terminal_text


@click.command("loads")
@click.option("--provider", default=None, metavar="P",
              help="Only this provider's loads (its folder name; case, spaces and hyphens do not matter).")
@click.option("--since", type=DAY, default=None, metavar="DATE",
              help="Only loads on or after this day (yyyy-mm-dd or dd/mm/yyyy).")
@click.option("--status", type=click.Choice(STATUSES, case_sensitive=False), default=None,
              help="Only loads with this status.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for people; csv and json for other tools.")
@click.pass_obj
def loads_command(obj, provider: str | None, since, status: str | None, fmt: str) -> None:
    """List every load: file and provider, who loaded it and when, rows read,
    accepted and rejected, status, and whether it was unloaded or its file or
    rejected values purged."""
    filters = HistoryFilters(provider=provider, since=since, status=status.lower() if status else None)
    try:
        rows = load_history(obj.warehouse, filters)
    except HistoryError as exc:
        raise click.ClickException(terminal_text(str(exc), one_line=True)) from None
    click.echo(format_history(rows, fmt, filters), nl=False)
