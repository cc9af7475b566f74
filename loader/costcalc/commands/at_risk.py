"""``costcalc at-risk``: the at-risk rules (check them) and the restricted list of people they flag."""

from __future__ import annotations

import click

from costcalc.governance.purposes import MIN_CASE_REFERENCE_CHARS, MIN_REASON_WORDS
from costcalc.lookup import MIN_REASON_CHARS
from costcalc.safe_output import terminal_text


@click.group("at-risk")
def at_risk() -> None:
    """The at-risk rules for offers of help (docs/at-risk.md).

    The rules are data: <project>/at_risk_rules.yml (or the shipped default).
    `costcalc report at-risk --evaluate` shows how well they predicted entry to
    temporary accommodation; `costcalc at-risk list` names the people flagged
    (restricted: purpose D only, audited, opt-outs honoured).
    """


@at_risk.command("check")
@click.argument("rule_file", required=False, type=click.Path(dir_okay=False, exists=True))
def check_cmd(rule_file: str | None) -> None:
    """Check the rule file (RULE_FILE, default: the one `costcalc build` uses) and list its rules."""
    from costcalc.at_risk.rules import RulesError, load_rules

    try:
        rule_set = load_rules(rule_file)
    except RulesError as exc:
        raise click.ClickException(terminal_text(str(exc))) from exc
    click.echo(terminal_text(f"{rule_set.source}: {len(rule_set.rules)} rules, backtest over "
                             f"{rule_set.backtest_months} months with a {rule_set.follow_up_months}-month follow-up."))
    for rule in rule_set.rules:
        click.echo(terminal_text(f"  {rule.rule_id}. {rule.name}: {rule.description}"))


@at_risk.command("list")
@click.option("--purpose", default=None, metavar="D",
              help="Why the law allows it (required): only D, offering the resident something more, which they "
                   "are free to refuse (docs/contract.md §5).")
@click.option("--case-reference", default=None, metavar="REF",
              help="The programme, referral or request this list serves, as your own system numbers it "
                   f"(required; at least {MIN_CASE_REFERENCE_CHARS} letters or digits with a number).")
@click.option("--reason", default=None, metavar="TEXT",
              help=f"Why you need the list, in words (required: at least {MIN_REASON_CHARS} characters and "
                   f"{MIN_REASON_WORDS} words); written to the audit log.")
@click.option("--as-at", "as_at", default=None, metavar="DATE",
              help="List as at the latest evaluation date on or before DATE (a month end of the backtest; "
                   "yyyy-mm-dd or dd/mm/yyyy). Default: the latest extract date.")
@click.option("--user", default=None, metavar="NAME",
              help="A name to record beside the list (a claim; the audit always names your account).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.pass_context
def list_cmd(ctx: click.Context, purpose: str | None, case_reference: str | None, reason: str | None,
             as_at: str | None, user: str | None, fmt: str) -> None:
    """The people the at-risk rules flag, to offer them help (RESTRICTED).

    Purpose D only. The list is written to audit.at_risk_list_log (who, when,
    purpose, case reference, reason, how many listed) and the client ids to
    audit.at_risk_list_people before anything is shown. People whose flag rests
    only on records from services they opted out of are left out
    (`costcalc optout`). Never paste the output into logs or tickets.
    """
    from costcalc.at_risk.listing import AtRiskFailed, AtRiskRefused, at_risk_list, format_list
    from costcalc.commands.report import DAY

    day = DAY.convert(as_at, None, ctx) if as_at is not None else None
    try:
        result = at_risk_list(ctx.obj.warehouse, reason, user, purpose=purpose, case_reference=case_reference,
                              as_at=day)
    except AtRiskRefused as exc:
        raise click.UsageError(terminal_text(str(exc))) from exc
    except AtRiskFailed as exc:
        raise click.ClickException(terminal_text(str(exc))) from exc
    click.echo(terminal_text(format_list(result, fmt)), nl=False)
