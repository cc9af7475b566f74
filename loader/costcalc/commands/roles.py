"""``costcalc setup-roles``: create the access roles on a server engine (see costcalc.warehouse.roles)."""

from __future__ import annotations

import click

from costcalc.warehouse.roles import ROLES


def _member(value: str) -> tuple[str, str]:
    role, sep, user = value.partition("=")
    role = role.strip().lower()
    if not sep or role not in ROLES or not user.strip():
        raise click.BadParameter(f"{value!r}: give ROLE=LOGIN with ROLE one of {', '.join(ROLES)}")
    return role, user.strip()


@click.command("setup-roles")
@click.option("--member", "members", multiple=True, metavar="ROLE=LOGIN",
              help="Make an existing login a member of a role (uploader, analyst, caseworker, admin); repeatable.")
@click.option("--print", "print_only", is_flag=True, help="Print the statements instead of running them.")
@click.pass_context
def setup_roles_command(ctx: click.Context, members: tuple[str, ...], print_only: bool) -> None:
    """Create the uploader / analyst / caseworker / admin roles and their grants.

    PostgreSQL and SQL Server (--target). Run it as the role that runs `costcalc
    build`, once, and again after adding logins. Uploaders write raw.* only;
    analysts read marts.* only; caseworkers read restricted.* and the match
    evidence (and write the lookup and match audits); administrators may do
    everything.
    """
    from costcalc.warehouse.connection import open_warehouse
    from costcalc.warehouse.targets import EngineError
    from costcalc.warehouse.roles import member_statement, postgres_statements, setup_roles, sqlserver_statements

    target = ctx.obj.target
    pairs = [_member(m) for m in members]
    if target not in ("postgres", "sqlserver"):
        raise click.ClickException(f"{target} has no database roles: see docs/engines.md (access control)")
    if print_only:
        stmts = postgres_statements("<builder>") if target == "postgres" else sqlserver_statements()
        stmts += [member_statement(target, k, u) for k, u in pairs]
        click.echo(";\n".join(stmts) + ";")
        return
    try:
        con = open_warehouse(target)
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        setup_roles(con, target, pairs)
    finally:
        con.close()
    click.echo(f"roles ready on {target}: " + ", ".join(ROLES.values())
               + (f"; {len(pairs)} membership(s) granted" if pairs else ""))
