"""``costcalc lookup``: the identifying details behind a client id, for caseworkers, audited."""

from __future__ import annotations

import click

from costcalc.lookup import MIN_REASON_CHARS, LookupFailed, LookupRefused, format_lookup, lookup_client
from costcalc.safe_output import terminal_text


@click.command("lookup")
@click.argument("client_id")
@click.option("--reason", default=None, metavar="TEXT",
              help=f"Why you need these details (required, at least {MIN_REASON_CHARS} characters); "
                   "written to the audit log.")
@click.option("--user", default=None, metavar="NAME",
              help="A name to record beside the lookup (e.g. on a shared account). The audit always "
                   "names your operating-system account (or database login); this name is kept "
                   "separately, as a claim. No control characters, at most 64 characters.")
@click.pass_context
def lookup(ctx: click.Context, client_id: str, reason: str | None, user: str | None) -> None:
    """Show who is behind CLIENT_ID and the records that make it up (restricted).

    Caseworkers only. Every lookup is written to audit.lookup_log (who, when,
    which client, why, how many records shown) before anything is shown.
    """
    try:
        result = lookup_client(ctx.obj.warehouse, client_id, reason, user)
    except LookupRefused as exc:
        raise click.UsageError(str(exc)) from exc
    except LookupFailed as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(terminal_text(format_lookup(result)), nl=False)  # no ESC sequences from the data
    if not result.found:
        ctx.exit(1)
