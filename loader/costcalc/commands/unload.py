"""``costcalc unload FILE|LOAD_ID --reason TEXT``: undo one load, audited (docs/retention.md)."""

from __future__ import annotations

import click

from costcalc.governance.unload import MIN_REASON_CHARS, UnloadFailed, UnloadRefused, unload
from costcalc.safe_output import terminal_text


@click.command("unload")
@click.argument("load", metavar="FILE|LOAD_ID")
@click.option("--reason", default=None, metavar="TEXT",
              help=f"Why the load is undone (required: a few words, at least {MIN_REASON_CHARS} characters); "
                   "written to raw.unload_log with your operating-system account (or database login).")
@click.pass_context
def unload_command(ctx: click.Context, load: str, reason: str | None) -> None:
    """Undo one load: remove its accepted and rejected rows, in one transaction.

    FILE is the file that was loaded (found by its contents, whatever its name
    now), or its name as dropped; LOAD_ID is a load id from `costcalc loads`.
    The load stays in the history, marked unloaded, with who did it and why.
    The next `costcalc build` drops its records from every table; a client left
    with no record has their id retired, never given to anyone else.
    """
    try:
        result = unload(ctx.obj.warehouse, load, reason)
    except UnloadRefused as exc:
        raise click.ClickException(terminal_text(str(exc), one_line=True)) from None
    except UnloadFailed as exc:
        raise click.ClickException(terminal_text(str(exc), one_line=True)) from None
    click.echo(result.summary(), nl=False)
