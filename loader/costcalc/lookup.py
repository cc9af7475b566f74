"""Client lookup, for caseworkers: who is behind a client id, and which records make it up.

The only command that shows the restricted layer (``restricted.*``: a file of its
own on DuckDB, a schema on servers; costcalc.warehouse.restricted_store). A
lookup names its purpose (A, B or D of docs/contract.md §5; C, research, is
refused), the case it serves and a reason in words (costcalc.governance.purposes);
one that does not is refused before anything is opened. Every lookup is then
written to ``audit.lookup_log`` (who, when, which client, purpose, case
reference, reason, outcome, how many records were shown), in its own committed
transaction, and only then are the details handed back to be shown. For
purpose D, records from a service whose data the person opted out of are
withheld, and a person opted out of every service holding their records is
refused (costcalc.governance.optouts); that refusal is audited too. The client
id and every text reach the database as parameters only.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from costcalc.governance.purposes import (  # noqa: F401 (re-exported)
    MIN_REASON_CHARS, MIN_REASON_DISTINCT, TRIVIAL_REASONS, PurposeRefused, check_case_reference, check_purpose,
)
from costcalc.governance import purposes as _purposes
from costcalc.warehouse import restricted_store as store

#: The audit table's columns added after it was first declared, with their types: a
#: warehouse made before one existed gets it (run by whoever may alter the table).
AUDIT_ADDED_COLUMNS = {"claimed_user": "VARCHAR", "purpose": "VARCHAR", "case_reference": "VARCHAR",
                       "outcome": "VARCHAR"}
#: A --user name (a claim, recorded beside the audited user) is at most this long.
MAX_CLAIMED_USER_CHARS = 64

#: What the audit's ``outcome`` says.
OUTCOME_SHOWN = "shown"
OUTCOME_NOT_FOUND = "not found"
OUTCOME_OPTED_OUT = "refused: opted out of D"


def audit_ddl(start: int = 1) -> tuple[str, ...]:
    """The audit schema, sequence and ``lookup_log`` table; the sequence starts at ``start``
    (above 1 when audit rows are moved into the restricted file: restricted_store)."""
    return (
        "CREATE SCHEMA IF NOT EXISTS audit",
        f"CREATE SEQUENCE IF NOT EXISTS audit.lookup_log_seq START {int(start)}",
        """CREATE TABLE IF NOT EXISTS audit.lookup_log (
        lookup_id BIGINT PRIMARY KEY DEFAULT nextval('audit.lookup_log_seq'),
        looked_up_at TIMESTAMP NOT NULL,
        looked_up_by VARCHAR NOT NULL,
        client_id VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        records_shown INTEGER NOT NULL,
        claimed_user VARCHAR,
        purpose VARCHAR,
        case_reference VARCHAR,
        outcome VARCHAR
    )""",
    )


AUDIT_DDL = audit_ddl()

_IDENTITY = "SELECT * FROM restricted.client_identity WHERE client_id = ?"
_RECORDS = "SELECT * FROM restricted.identity_records WHERE client_id = ?"
_LINKS = """SELECT l.* FROM restricted.match_links l
WHERE l.record_key_a IN (SELECT r.record_key FROM restricted.identity_records r WHERE r.client_id = ?)
   OR l.record_key_b IN (SELECT r.record_key FROM restricted.identity_records r WHERE r.client_id = ?)
ORDER BY l.rule, l.record_key_a, l.record_key_b"""
_AUDIT_INSERT = """INSERT INTO audit.lookup_log (looked_up_at, looked_up_by, client_id, reason, records_shown,
claimed_user, purpose, case_reference, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING lookup_id"""
#: The database session's user on each server engine (who the audit names there).
_SESSION_USER = {"postgres": "SELECT session_user", "sqlserver": "SELECT SUSER_SNAME()",
                 "spark": "SELECT current_user()"}


class LookupRefused(PurposeRefused):
    """The lookup was not allowed: no purpose, purpose C, no case reference, no real reason, a bad
    --user (nothing was read); or purpose D for a person opted out (audited, nothing shown)."""


class LookupFailed(Exception):
    """The lookup could not run (no warehouse, no restricted tables)."""


@dataclass
class LookupResult:
    lookup_id: int
    client_id: str
    looked_up_by: str               # the audited user: OS account, or database session user on a server
    looked_up_at: datetime
    found: bool
    identity: pd.DataFrame          # restricted.client_identity rows of the client (normally one)
    records: pd.DataFrame           # restricted.identity_records rows, plus "linked_by" when evidence exists
    links: pd.DataFrame | None      # restricted.match_links rows touching the client's records, if that table exists
    known_publicly: bool            # the id is in marts.dim_client (identity may still be missing)
    claimed_user: str | None = None  # the --user name given, recorded beside looked_up_by
    purpose: str | None = None       # A, B or D
    case_reference: str | None = None
    withheld: int = 0                # purpose D: records withheld because of an opt-out


def default_user() -> str:
    """The operating-system account running costcalc: from the process's real user id
    (pwd), never from $USER or $LOGNAME, which anyone can set. Windows has no pwd: the
    login name there."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):  # Windows; or a uid without a passwd entry
        pass
    if hasattr(os, "getuid"):
        return f"uid {os.getuid()}"
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def audited_user(con=None) -> str:
    """Who the audit names: the database session user on a server engine (the login the
    server authenticated), else the operating-system account (:func:`default_user`)."""
    from costcalc.warehouse.targets import is_server, target_name

    if con is not None and is_server():
        row = con.execute(_SESSION_USER[target_name()]).fetchone()
        if row and row[0]:
            return str(row[0])
    return default_user()


def check_claimed_user(name: str | None) -> str | None:
    """A ``--user`` name, validated: it is only a claim, recorded beside the audited user
    (never instead of it). None when not given; ``LookupRefused`` for control characters
    (a newline would forge a line in any log or export) or more than
    MAX_CLAIMED_USER_CHARS characters."""
    import unicodedata

    if name is None:
        return None
    text = name.strip()
    if not text:
        return None
    if any(unicodedata.category(ch).startswith("C") or ch in "\u2028\u2029" for ch in text):
        raise LookupRefused("--user must not contain control characters (such as a newline).")
    if len(text) > MAX_CLAIMED_USER_CHARS:
        raise LookupRefused(f"--user is too long (at most {MAX_CLAIMED_USER_CHARS} characters).")
    return text


def check_reason(reason: str | None) -> str:
    """The reason, white space collapsed, or ``LookupRefused`` saying why it is not enough
    (the rules: costcalc.governance.purposes.check_reason)."""
    try:
        return _purposes.check_reason(reason)
    except PurposeRefused as exc:
        raise LookupRefused(str(exc)) from None


def ensure_audit(con) -> None:
    """The audit schema and ``audit.lookup_log``, with every column of AUDIT_ADDED_COLUMNS."""
    store.ensure_schemas(con)
    for ddl in AUDIT_DDL[1:]:
        con.execute(ddl)
    have = store.table_columns(con, "audit", "lookup_log")
    for column, sql_type in AUDIT_ADDED_COLUMNS.items():
        if column not in have:
            con.execute(f"ALTER TABLE audit.lookup_log ADD COLUMN {column} {sql_type}")


def _exists(con, schema: str, table: str) -> bool:
    return store.table_exists(con, schema, table)


def _columns(con, schema: str, table: str) -> set[str]:
    return store.table_columns(con, schema, table)


def _match_links(con, client_id: str, records: pd.DataFrame) -> pd.DataFrame | None:
    """Match evidence, only where ``restricted.match_links`` exists and records carry a ``record_key``."""
    if not _exists(con, "restricted", "match_links") or "record_key" not in records.columns:
        return None
    if not {"record_key_a", "record_key_b", "rule"} <= _columns(con, "restricted", "match_links"):
        return None
    return con.execute(_LINKS, [client_id, client_id]).df()


#: Where a record came from, by the column names the build may use (first present wins).
_FILE_COLUMNS = ("source_file", "latest_source_file", "file")
_ROW_COLUMNS = ("source_row", "latest_source_row", "row")
_SCHEMA_COLUMNS = ("schema_code", "schema")


def _first(row, names):
    for n in names:
        if n in row and not _blank(row[n]):
            return row[n]
    return None


def _blank(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def record_label(row) -> str:
    """``H01A ta_2024.csv row 2``: a record as a person finds it in the provider's file."""
    schema, file, line = _first(row, _SCHEMA_COLUMNS), _first(row, _FILE_COLUMNS), _first(row, _ROW_COLUMNS)
    parts = [str(schema) if schema is not None else None, str(file) if file is not None else None,
             f"row {_text(line)}" if line is not None else None]
    text = " ".join(p for p in parts if p)
    return text or f"record {row.get('record_key', '?')}"


def _linked_by(records: pd.DataFrame, links: pd.DataFrame) -> list[str]:
    """For each record: the rules linking it to other records (pairs a rule or a caseworker
    decided *not* to link, where the table says so with ``is_link``, are marked "(not linked)")."""
    labels = {r["record_key"]: record_label(r) for r in records.to_dict(orient="records")}
    out = []
    for key in records["record_key"]:
        parts = []
        for link in links.to_dict(orient="records"):
            if key not in (link["record_key_a"], link["record_key_b"]):
                continue
            other = link["record_key_b"] if link["record_key_a"] == key else link["record_key_a"]
            other_text = labels.get(other) or f"record {other} (not this client's)"
            score = link.get("score")
            score_text = "" if _blank(score) else f" {float(score):.2f}"
            is_link = link.get("is_link")
            not_linked = "" if _blank(is_link) or bool(is_link) else " (not linked)"
            parts.append(f"{link['rule']}{score_text} -> {other_text}{not_linked}")
        out.append("; ".join(parts) if parts else "-")
    return out


def check_request(purpose: str | None, case_reference: str | None, reason: str | None):
    """The purpose, case reference and reason of a lookup, checked (``LookupRefused`` saying
    what is missing or not acceptable): (Purpose, case reference, reason)."""
    try:
        return (check_purpose(purpose), check_case_reference(case_reference), _purposes.check_reason(reason))
    except PurposeRefused as exc:
        raise LookupRefused(str(exc)) from None


def lookup_client(warehouse: str | Path, client_id: str, reason: str | None, user: str | None = None, *,
                  purpose: str | None = None, case_reference: str | None = None) -> LookupResult:
    """Look a client up, auditing first.

    ``LookupRefused`` before anything is opened (nothing read, nothing audited) without a
    purpose, for purpose C, without a real case reference or reason, or for a bad ``user``;
    and, audited with nothing shown, for purpose D when every record of the client comes
    from a service whose data the person opted out of. ``LookupFailed`` when the warehouse
    is not built."""
    the_purpose, case_ref, reason_text = check_request(purpose, case_reference, reason)
    claimed = check_claimed_user(user)
    client_id = str(client_id or "").strip()
    if not client_id:
        raise LookupRefused("Give the client id to look up.")
    from costcalc.governance import optouts
    from costcalc.warehouse.connection import WarehouseBusy, WarehouseMissing, transaction
    from costcalc.warehouse.targets import EngineError, is_server

    path = Path(warehouse)
    if not is_server() and not path.exists():  # a lookup never creates a warehouse
        raise LookupFailed(f"No warehouse at {path}. Load files and run `costcalc build` first.")
    try:
        with store.restricted_connection(path) as con:
            ensure_audit(con)
            who = audited_user(con)
            missing = [t for t in ("client_identity", "identity_records") if not _exists(con, "restricted", t)]
            if missing:
                raise LookupFailed("The warehouse has no " + ", ".join(f"restricted.{t}" for t in missing)
                                   + ": run `costcalc build` first.")
            identity = con.execute(_IDENTITY, [client_id]).df()
            records = con.execute(_RECORDS, [client_id]).df()
            links = _match_links(con, client_id, records)
            known = _exists(con, "marts", "dim_client") and con.execute(
                f"SELECT count(*) FROM {store.public_table(con, 'dim_client')} WHERE client_id = ?",
                [client_id]).fetchone()[0] > 0
            found = not identity.empty or not records.empty
            withheld = 0
            outcome = OUTCOME_SHOWN if found else OUTCOME_NOT_FOUND
            if the_purpose.code == optouts.OPTOUT_PURPOSE and not records.empty:
                opted = optouts.opted_out_record_keys(con, client_id)
                if opted:
                    keep = ~records["record_key"].isin(opted)
                    withheld = int((~keep).sum())
                    records = records[keep].reset_index(drop=True)
                    identity = identity.iloc[0:0]  # it may come from a withheld record
                    if records.empty:
                        outcome = OUTCOME_OPTED_OUT
                links = None  # match evidence is not needed for an offer, and names other records
            at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
            # The audit row is committed before anything is returned, let alone shown.
            with transaction(con):
                lookup_id = con.execute(_AUDIT_INSERT, [at, who, client_id, reason_text, int(len(records)),
                                                        claimed, the_purpose.code, case_ref,
                                                        outcome]).fetchone()[0]
    except (EngineError, WarehouseMissing, store.RestrictedMissing, store.RestrictedLocked) as exc:
        raise LookupFailed(str(exc)) from None
    except (WarehouseBusy, duckdb.IOException) as exc:
        raise LookupFailed(f"Cannot open the warehouse {path.name}: it is in use (a load or build running?). "
                           "Try again when it has finished.") from exc
    if outcome == OUTCOME_OPTED_OUT:
        raise LookupRefused(f"Lookup {lookup_id} refused (audited): purpose D is not allowed for {client_id}. "
                            "The person has opted out of purpose D for the information from every service "
                            "that holds their records.")
    if links is not None:
        records = records.copy()
        records["linked_by"] = _linked_by(records, links)
    return LookupResult(lookup_id=lookup_id, client_id=client_id, looked_up_by=who, looked_up_at=at,
                        claimed_user=claimed, purpose=the_purpose.code, case_reference=case_ref,
                        withheld=withheld,
                        found=found, identity=identity, records=records, links=links, known_publicly=known)


# --------------------------------------------------------------------------- display


def _text(value) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if hasattr(value, "strftime"):
        if hasattr(value, "hour") and (value.hour, value.minute, value.second) != (0, 0, 0):
            return value.strftime("%d/%m/%Y %H:%M")
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


PURPOSE_TITLES = {code: p.title for code, p in _purposes.PURPOSES.items()}


def format_lookup(result: LookupResult) -> str:
    head = [f"Client lookup {result.lookup_id}: {result.client_id} "
            f"(by {result.looked_up_by}"
            f"{f', who gave --user {result.claimed_user}' if result.claimed_user else ''}"
            f" at {result.looked_up_at:%Y-%m-%d %H:%M:%S} UTC; audited)",
            f"Purpose {result.purpose} ({PURPOSE_TITLES.get(result.purpose, '?')}), case {result.case_reference}",
            "RESTRICTED: identifying details. Do not copy them into reports, e-mails or tickets.", ""]
    if not result.found:
        if result.known_publicly:
            msg = f"Client {result.client_id} exists but has no identifying details on record."
        else:
            msg = f"No client {result.client_id!r}: check the id (client ids look like C00000123)."
        return "\n".join(head + [msg]) + "\n"
    out = list(head)
    for row in result.identity.to_dict(orient="records"):
        out.append("Identity")
        out += _card(row, skip={"client_id"})
        out.append("")
    n = len(result.records)
    out.append(f"Records ({n})")
    shown = set(_SCHEMA_COLUMNS + _FILE_COLUMNS + _ROW_COLUMNS + ("client_id",))
    for i, row in enumerate(result.records.to_dict(orient="records"), 1):
        out.append(f"  {i}. {record_label(row)}")
        out += ["  " + line for line in _card(row, skip=shown)]
    if n == 0:
        out.append("  none")
    if result.withheld:
        out.append(f"  {result.withheld} more record(s) withheld: the person opted out of purpose D for the "
                   "information from that service.")
    if result.links is not None:
        out.append("")
        out.append("Match evidence: linked_by shows the rule (and score) linking each record to another.")
    return "\n".join(out) + "\n"


def _card(row: dict, skip: set[str]) -> list[str]:
    items = [(k, _text(v)) for k, v in row.items() if k not in skip and not _blank(v) and _text(v) != ""]
    width = max((len(k) for k, _ in items), default=0)
    return [f"  {k.ljust(width)}  {v}" for k, v in items]
