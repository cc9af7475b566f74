"""``costcalc lookup``: the identifying details behind a client id, for caseworkers, audited."""

from __future__ import annotations

import click

from costcalc.governance.purposes import MIN_CASE_REFERENCE_CHARS, MIN_REASON_WORDS, PURPOSES
from costcalc.lookup import MIN_REASON_CHARS, LookupFailed, LookupRefused, format_lookup, lookup_client
from costcalc.safe_output import terminal_text

_PURPOSE_HELP = "; ".join(f"{p.code} {p.title}" + ("" if p.lookup_allowed else " (refused: use the marts)")
                          for p in PURPOSES.values())


@click.command("lookup")
@click.argument("client_id")
@click.option("--purpose", default=None, metavar="A|B|D",
              help=f"Why the law allows it (required; docs/contract.md §5): {_PURPOSE_HELP}.")
@click.option("--case-reference", default=None, metavar="REF",
              help="The case, referral or request this lookup serves, as your own system numbers it "
                   f"(required; at least {MIN_CASE_REFERENCE_CHARS} letters or digits with a number, "
                   "not a placeholder such as n/a, test, 1234).")
@click.option("--reason", default=None, metavar="TEXT",
              help=f"Why you need these details, in words (required: at least {MIN_REASON_CHARS} characters "
                   f"and {MIN_REASON_WORDS} words, not keyboard mash); written to the audit log.")
@click.option("--user", default=None, metavar="NAME",
              help="A name to record beside the lookup (e.g. on a shared account). The audit always "
                   "names your operating-system account (or database login); this name is kept "
                   "separately, as a claim. No control characters, at most 64 characters.")
@click.pass_context
def lookup(ctx: click.Context, client_id: str, purpose: str | None, case_reference: str | None,
           reason: str | None, user: str | None) -> None:
    """Show who is behind CLIENT_ID and the records that make it up (restricted).

    Caseworkers only. Every lookup is written to audit.lookup_log (who, when,
    which client, purpose, case reference, reason, outcome, how many records
    shown) before anything is shown. Purpose C (research) is refused; for
    purpose D, records from a service the person opted out of are withheld
    (`costcalc optout`). See docs/privacy.md.
    """
    try:
        result = lookup_client(ctx.obj.warehouse, client_id, reason, user, purpose=purpose,
                               case_reference=case_reference)
    except LookupRefused as exc:
        raise click.UsageError(terminal_text(str(exc))) from exc
    except LookupFailed as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(terminal_text(format_lookup(result)), nl=False)  # no ESC sequences from the data
    if not result.found:
        ctx.exit(1)
