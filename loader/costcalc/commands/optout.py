"""``costcalc optout add|remove|list``: the register of people's refusals of purpose D.

An opt-out names the service by its file type and the person by the reference
that service's provider gives them (costcalc.governance.optouts). It is kept
in the restricted layer, with who added or removed it, when and why; the
audit names the operating-system account (or the database login), ``--user``
is a claim kept beside it, as for ``costcalc lookup``.
"""

from __future__ import annotations

from pathlib import Path

import click

from costcalc.governance import optouts
from costcalc.governance.purposes import PurposeRefused, check_reason
from costcalc.lookup import LookupRefused, audited_user, check_claimed_user
from costcalc.safe_output import terminal_text
from costcalc.warehouse import restricted_store as store
from costcalc.warehouse.connection import WarehouseBusy
from costcalc.warehouse.targets import EngineError, is_server


def _connection(warehouse, *, read_only: bool = False):
    path = Path(warehouse)
    if not is_server() and not path.exists():
        raise click.ClickException(f"No warehouse at {path}. Load files and run `costcalc build` first.")
    return store.restricted_connection(path, read_only=read_only and not is_server())


_FAILURES = (EngineError, WarehouseBusy, store.RestrictedMissing, store.RestrictedLocked, optouts.OptOutError)


def _checked(reason: str | None, user: str | None) -> tuple[str, str | None]:
    try:
        return check_reason(reason), check_claimed_user(user)
    except (PurposeRefused, LookupRefused) as exc:
        raise click.UsageError(str(exc).replace("A lookup needs", "An opt-out needs")) from None


@click.group("optout")
def optout() -> None:
    """The opt-out register: a person's refusal of purpose D (an offer of an additional benefit)
    for the information from one service. Caseworkers only (restricted layer).

    A person is named by SERVICE, the file type (e.g. temporary_accommodation), and
    REFERENCE, the provider's reference for them in that service's files. Honoured by
    `costcalc lookup --purpose D` and by every list of people to contact (docs/privacy.md).
    """


_reason = click.option("--reason", default=None, metavar="TEXT",
                       help="How the request reached you and when, in words (required), e.g. "
                            "\"Letter from the resident dated 3 March 2025\".")
_user = click.option("--user", default=None, metavar="NAME",
                     help="A name to record beside your operating-system account (or database login), as a claim.")


@optout.command("add")
@click.argument("service")
@click.argument("reference")
@_reason
@_user
@click.option("--not-loaded-yet", is_flag=True,
              help="Record it although no loaded record of SERVICE has REFERENCE yet (the file has not arrived).")
@click.pass_context
def add(ctx, service, reference, reason, user, not_loaded_yet):
    """Record that the person REFERENCE of SERVICE refuses purpose D for that service's information."""
    reason, claimed = _checked(reason, user)
    try:
        with _connection(ctx.obj.warehouse) as con:
            who = audited_user(con)
            row, covered = optouts.add_optout(con, service, reference, reason, by=who, claimed_user=claimed,
                                              allow_unloaded=not_loaded_yet)
    except _FAILURES as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(terminal_text(
        f"Opt-out {row.optout_id} recorded (by {who}): reference {row.reference} of {row.file_type} refuses "
        f"purpose D; it covers {covered} loaded record(s)."))


@optout.command("remove")
@click.argument("service")
@click.argument("reference")
@_reason
@_user
@click.pass_context
def remove(ctx, service, reference, reason, user):
    """Withdraw the opt-out of the person REFERENCE of SERVICE (kept on record as removed)."""
    reason, claimed = _checked(reason, user)
    try:
        with _connection(ctx.obj.warehouse) as con:
            who = audited_user(con)
            row = optouts.remove_optout(con, service, reference, reason, by=who, claimed_user=claimed)
    except _FAILURES as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(terminal_text(f"Opt-out {row.optout_id} removed (by {who}): reference {row.reference} of "
                             f"{row.file_type} no longer refuses purpose D."))


def _when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else ""


@optout.command("list")
@click.option("--service", default=None, metavar="FILE_TYPE", help="Only this service's opt-outs.")
@click.option("--all", "include_removed", is_flag=True, help="Removed opt-outs too (with who removed them).")
@click.pass_context
def list_command(ctx, service, include_removed):
    """The opt-outs in the register (restricted: references identify people)."""
    try:
        with _connection(ctx.obj.warehouse, read_only=True) as con:
            rows = optouts.list_optouts(con, file_type=service, include_removed=include_removed)
    except _FAILURES as exc:
        raise click.ClickException(str(exc)) from None
    if not rows:
        click.echo("No opt-outs recorded." if not include_removed else "No opt-outs, current or removed.")
        return
    click.echo("RESTRICTED: references identify people. Do not copy them into reports, e-mails or tickets.")
    for r in rows:
        state = "active" if r.active else f"removed {_when(r.removed_at)} by {r.removed_by}: {r.removed_reason}"
        claim = f" (gave --user {r.added_claimed_user})" if r.added_claimed_user else ""
        click.echo(terminal_text(f"{r.optout_id}  {r.file_type}  {r.reference}  purpose {r.purpose}  added "
                                 f"{_when(r.added_at)} by {r.added_by}{claim}: {r.added_reason}  [{state}]"))
