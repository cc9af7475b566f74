"""``costcalc match link|unlink``: manual matching decisions, kept as data.

A decision is one row appended to ``seeds/match_decisions.csv`` (the dbt seed
the matching models read on every build), so it is reviewed and versioned
with the repository, and survives every rebuild: ``unlink`` beats any
automatic link, ``link`` forces one. It is also written to
``audit.match_log`` in the restricted layer of the selected target (``--target``;
on DuckDB the restricted file beside the warehouse: costcalc.warehouse.restricted_store).

A record is named either by its record key (as shown by ``costcalc lookup``)
or by where it came from: ``SCHEMA:FILE:ROW`` (schema code, file name as
dropped, the row number a person sees in Excel), optionally prefixed with
the client id it belongs to now, ``CLIENT_ID:SCHEMA:FILE:ROW``, which is
then checked.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

import click

from costcalc.lookup import LookupRefused, check_claimed_user, default_user
from costcalc.paths import project_seeds_dir
from costcalc.warehouse import restricted_store as store
from costcalc.warehouse.connection import WarehouseBusy, open_warehouse
from costcalc.warehouse.targets import EngineError, is_server

#: The decisions file's name in the project directory's seeds/ (docs/project.md).
DECISIONS_NAME = "match_decisions.csv"
HEADER = ["decision", "record_key_a", "schema_code_a", "source_file_a", "source_row_a",
          "record_key_b", "schema_code_b", "source_file_b", "source_row_b",
          "decided_by", "reason", "decided_at"]
MIN_REASON_CHARS = 10
_CLIENT_ID = re.compile(r"^C\d{8}$")

AUDIT_DDL = (
    "CREATE SCHEMA IF NOT EXISTS audit",
    """CREATE TABLE IF NOT EXISTS audit.match_log (
        decided_at TIMESTAMP, decided_by VARCHAR, decision VARCHAR,
        record_a VARCHAR, record_b VARCHAR, reason VARCHAR, claimed_user VARCHAR)""",
)


class MatchRefused(click.UsageError):
    pass


@dataclass(frozen=True)
class RecordRef:
    record_key: str | None = None
    schema_code: str | None = None
    source_file: str | None = None
    source_row: int | None = None
    client_id: str | None = None

    def label(self) -> str:
        if self.record_key:
            return f"record {self.record_key}"
        return f"{self.schema_code}:{self.source_file}:{self.source_row}"


def parse_ref(text: str) -> RecordRef:
    """``RECORD_KEY``, ``SCHEMA:FILE:ROW`` or ``CLIENT_ID:SCHEMA:FILE:ROW``."""
    text = text.strip()
    if ":" not in text:
        if not text:
            raise MatchRefused("An empty record reference.")
        return RecordRef(record_key=text)
    client = None
    head, _, rest = text.partition(":")
    if _CLIENT_ID.match(head.upper()):
        client, text = head.upper(), rest
    schema, sep1, rest = text.partition(":")
    file, sep2, row = rest.rpartition(":")
    if not (sep1 and sep2 and schema and file and row.strip().isdigit()):
        raise MatchRefused(f"Not a record reference: {text!r} (expected SCHEMA:FILE:ROW, "
                           "CLIENT_ID:SCHEMA:FILE:ROW or a record key).")
    return RecordRef(schema_code=schema.strip().upper(), source_file=file.strip(),
                     source_row=int(row), client_id=client)


def _table_exists(con, schema: str, table: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                       [schema, table]).fetchone()[0] > 0


def check_ref(con, ref: RecordRef, restricted_con=None) -> None:
    """The record exists in the built warehouse (and belongs to the client named, if one is).
    ``restricted_con``: the restricted layer's connection (default ``con``)."""
    if ref.record_key:
        con = restricted_con if restricted_con is not None else con
        if not store.table_exists(con, "restricted", "identity_records"):
            raise click.ClickException("The warehouse has not been built yet (no restricted.identity_records): "
                                       "run `costcalc build` first.")
        n = con.execute("select count(*) from restricted.identity_records where record_key = ?",
                        [ref.record_key]).fetchone()[0]
        if not n:
            raise MatchRefused(f"No such record: {ref.label()}.")
        return
    if not _table_exists(con, "marts", "client_record_links"):
        raise click.ClickException("The warehouse has not been built yet (no marts.client_record_links): "
                                   "run `costcalc build` first.")
    rows = con.execute(
        "select client_id from marts.client_record_links "
        "where upper(schema_code) = ? and source_file = ? and source_row = ?",
        [ref.schema_code, ref.source_file, ref.source_row]).fetchall()
    if not rows:
        raise MatchRefused(f"No such row: {ref.label()}.")
    if ref.client_id and ref.client_id not in {r[0] for r in rows}:
        raise MatchRefused(f"{ref.label()} does not belong to {ref.client_id} (it belongs to {rows[0][0]}).")


def check_reason(reason: str | None) -> str:
    text = " ".join(str(reason or "").split())
    if len(text.replace(" ", "")) < MIN_REASON_CHARS:
        raise MatchRefused(f"A decision needs a reason of at least {MIN_REASON_CHARS} characters "
                           "(--reason \"...\"), kept with it in the repository.")
    return text


def ensure_match_audit(rcon) -> None:
    """``audit.match_log`` made, or migrated, if needed (also by ``costcalc setup-roles``)."""
    store.ensure_schemas(rcon)
    for ddl in AUDIT_DDL[1:]:
        rcon.execute(ddl)
    if "claimed_user" not in store.table_columns(rcon, "audit", "match_log"):  # from before --user was a claim
        rcon.execute("alter table audit.match_log add column claimed_user VARCHAR")


def _audit(rcon, values: list) -> None:
    """One row of ``audit.match_log`` (the table made, or migrated, first)."""
    ensure_match_audit(rcon)
    rcon.execute("insert into audit.match_log (decided_at, decided_by, decision, record_a, record_b, reason, "
                 "claimed_user) values (?, ?, ?, ?, ?, ?, ?)", values)


def require_decision_rights(rcon) -> None:
    """Refuse, before anything is written, a database login that may not record a decision
    (read the identities, add to audit.match_log): costcalc.matching.access.require_privileges."""
    from costcalc.matching.access import MatchAccessRefused, require_privileges

    try:
        require_privileges(rcon, select=("restricted.identity_records",), insert=("audit.match_log",))
    except MatchAccessRefused as exc:
        raise click.ClickException(str(exc)) from None


def record_decision(warehouse: Path, decision: str, a: RecordRef, b: RecordRef, reason: str,
                    user: str | None = None, decisions_file: Path | None = None) -> dict:
    """Check both records, append the decision to the seed file and the audit log; return the row."""
    if decision not in ("link", "unlink"):
        raise ValueError(decision)
    reason = check_reason(reason)
    if a == b or (a.record_key and a.record_key == b.record_key):
        raise MatchRefused("Both references name the same record.")
    warehouse = Path(warehouse)
    if not is_server() and not warehouse.exists():
        raise click.ClickException(f"No warehouse at {warehouse}: run `costcalc build` first.")
    decided_at = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    # decided_by is the operating-system account; --user is only a claim, kept beside it.
    try:
        claimed = check_claimed_user(user)
    except LookupRefused as exc:
        raise MatchRefused(str(exc)) from None
    user = default_user()
    try:
        con = open_warehouse(path=warehouse)  # the selected target's: its marts
        rcon = store.open_restricted(warehouse)  # its restricted layer: identities, audit.match_log
    except (EngineError, WarehouseBusy, store.RestrictedMissing, store.RestrictedLocked) as exc:
        if "con" in locals():
            con.close()
        raise click.ClickException(str(exc)) from None
    try:
        require_decision_rights(rcon)
        check_ref(con, a, rcon)
        check_ref(con, b, rcon)
        row = {
            "decision": decision,
            "record_key_a": a.record_key, "schema_code_a": a.schema_code,
            "source_file_a": a.source_file, "source_row_a": a.source_row,
            "record_key_b": b.record_key, "schema_code_b": b.schema_code,
            "source_file_b": b.source_file, "source_row_b": b.source_row,
            "decided_by": user, "reason": reason, "decided_at": decided_at.isoformat(sep=" "),
        }
        path = Path(decisions_file or project_seeds_dir() / DECISIONS_NAME)
        path.parent.mkdir(parents=True, exist_ok=True)
        new_file = not path.exists() or path.stat().st_size == 0
        if not new_file:
            with open(path, "rb") as f:
                f.seek(-1, 2)
                needs_newline = f.read(1) not in (b"\n", b"\r")
        with open(path, "a", newline="", encoding="utf-8") as f:
            if not new_file and needs_newline:
                f.write("\n")
            w = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
            if new_file:
                w.writeheader()
            w.writerow({k: ("" if v is None else v) for k, v in row.items()})
        with store.private_files():  # the restricted file's .wal stays private
            _audit(rcon, [decided_at, user, decision, a.label(), b.label(), reason, claimed])
    finally:
        rcon.close()
        con.close()
    return row


@click.group("match")
def match() -> None:
    """Manual matching decisions: say two records are (link) or are not (unlink) the same person.

    Records are named RECORD_KEY, SCHEMA:FILE:ROW or CLIENT_ID:SCHEMA:FILE:ROW
    (FILE as dropped, ROW as Excel shows it). Decisions are appended to
    the project directory's seeds/match_decisions.csv and applied by the next
    `costcalc build`.
    """


def _decide(ctx: click.Context, decision: str, record_a: str, record_b: str, reason: str | None,
            user: str | None, decisions_file: str | None) -> None:
    row = record_decision(ctx.obj.warehouse, decision, parse_ref(record_a), parse_ref(record_b),
                          reason, user, Path(decisions_file) if decisions_file else None)
    verb = "the same person" if decision == "link" else "not the same person"
    click.echo(f"Recorded: {record_a} and {record_b} are {verb} (by {row['decided_by']}). "
               "Run `costcalc build` to apply it.")


_options = [
    click.argument("record_a"),
    click.argument("record_b"),
    click.option("--reason", required=False, metavar="TEXT", help="Why (required), kept with the decision."),
    click.option("--user", default=None, metavar="NAME",
                 help="A name to record beside the decision. The decision is always recorded as your "
                      "operating-system account; this name is kept separately, as a claim."),
    click.option("--decisions-file", default=None, metavar="PATH", hidden=True,
                 help="The decisions seed file (default: seeds/match_decisions.csv)."),
]


def _with_options(f):
    for opt in reversed(_options):
        f = opt(f)
    return f


@match.command("link")
@_with_options
@click.pass_context
def link(ctx, record_a, record_b, reason, user, decisions_file):
    """RECORD_A and RECORD_B are the same person (forces a link)."""
    _decide(ctx, "link", record_a, record_b, reason, user, decisions_file)


@match.command("unlink")
@_with_options
@click.pass_context
def unlink(ctx, record_a, record_b, reason, user, decisions_file):
    """RECORD_A and RECORD_B are not the same person (no chain of links may join them)."""
    _decide(ctx, "unlink", record_a, record_b, reason, user, decisions_file)


# --------------------------------------------------------------------------- explain and review (restricted)

_ACCESS_OPTIONS = [
    click.option("--purpose", default=None, metavar="A|B",
                 help="Why the law allows it (required; docs/contract.md §5): A support the service, "
                      "B a legal or statutory obligation. C and D are refused."),
    click.option("--case-reference", default=None, metavar="REF",
                 help="The case, referral or request this serves, as your own system numbers it (required)."),
    click.option("--reason", default=None, metavar="TEXT", help="Why, in words (required); written to the audit."),
    click.option("--user", default=None, metavar="NAME",
                 help="A name to record beside your operating-system account (or database login), as a claim."),
]


def _with_access(f):
    for opt in reversed(_ACCESS_OPTIONS):
        f = opt(f)
    return f


@match.command("explain")
@click.argument("record_a")
@click.argument("record_b")
@_with_access
@click.pass_context
def explain(ctx, record_a, record_b, purpose, case_reference, reason, user):
    """Why RECORD_A and RECORD_B are, or are not, one person (restricted, audited).

    Shows each field's comparison level and weight, the score against the
    threshold, any conflict or manual decision, whether the blocking rules
    ever brought them together, and the chain of links joining them.
    """
    from costcalc.matching import access
    from costcalc.matching.explain import explain_pair, format_explanation
    from costcalc.safe_output import terminal_text

    try:
        result = explain_pair(ctx.obj.warehouse, record_a, record_b, purpose=purpose,
                              case_reference=case_reference, reason=reason, user=user)
    except access.MatchAccessRefused as exc:
        raise click.UsageError(terminal_text(str(exc))) from None
    except access.MatchEvidenceFailed as exc:
        raise click.ClickException(terminal_text(str(exc))) from None
    click.echo(terminal_text(format_explanation(result)), nl=False)


@match.command("review")
@click.option("--margin", type=float, default=None, metavar="POINTS",
              help="List pairs scored within this many points of the threshold (default 5).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "xlsx"]), default="table",
              help="table (terminal), or a csv/xlsx file to fill in (--output).")
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="The csv/xlsx file to write.")
@click.option("--decide", "decide_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Record the decisions of a reviewed csv/xlsx file (its decision and reason columns) "
                   "as `match link|unlink` would; applied by the next `costcalc build`.")
@click.option("--decisions-file", default=None, metavar="PATH", hidden=True)
@_with_access
@click.pass_context
def review(ctx, margin, fmt, output, decide_file, decisions_file, purpose, case_reference, reason, user):
    """Borderline pairs (scores near the threshold) for clerical review (restricted, audited).

    List them (--format table|csv|xlsx), fill in the decision column (link,
    unlink, or blank) and a reason, then record them with --decide FILE.
    """
    from costcalc.matching import access
    from costcalc.matching import review as rv
    from costcalc.safe_output import terminal_text

    if decide_file:
        try:
            done = rv.apply_decisions_file(ctx.obj.warehouse, decide_file, user,
                                           Path(decisions_file) if decisions_file else None)
        except rv.ReviewFileError as exc:
            raise click.ClickException(terminal_text(str(exc)) + " Nothing was recorded.") from None
        links = sum(d.decision == "link" for d in done)
        click.echo(f"Recorded {len(done)} decision(s) ({links} link, {len(done) - links} unlink). "
                   "Run `costcalc build` to apply them.")
        return
    if fmt != "table" and not output:
        raise click.UsageError(f"--format {fmt} writes a file: give --output FILE.{fmt}.")
    try:
        listing = rv.list_borderline(ctx.obj.warehouse, margin=rv.DEFAULT_MARGIN if margin is None else margin,
                                     purpose=purpose, case_reference=case_reference, reason=reason, user=user)
    except access.MatchAccessRefused as exc:
        raise click.UsageError(terminal_text(str(exc))) from None
    except access.MatchEvidenceFailed as exc:
        raise click.ClickException(terminal_text(str(exc))) from None
    if fmt == "table":
        click.echo(terminal_text(rv.format_table(listing)), nl=False)
        return
    from costcalc.warehouse import restricted_store as store

    with store.private_files():  # a file of personal data: readable by its owner only
        (rv.write_csv if fmt == "csv" else rv.write_xlsx)(listing, Path(output))
    click.echo(f"Wrote {len(listing.pairs)} pair(s) to {output} (RESTRICTED: personal data). "
               "Fill in decision (link/unlink/blank) and reason, then: costcalc match review --decide "
               f"{output}")
