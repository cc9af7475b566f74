"""Client lookup, for caseworkers: who is behind a client id, and which records make it up.

The only place in costcalc that reads the ``restricted`` schema. Every lookup
is first written to ``audit.lookup_log`` (who, when, which client, why, how
many records were shown), in its own committed transaction, and only then are
the details handed back to be shown. A lookup without a real reason is refused
before the warehouse is opened. The client id and reason reach DuckDB as
``?`` parameters only.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

#: A reason must have at least this many characters (not counting spaces) ...
MIN_REASON_CHARS = 10
#: ... and at least this many different letters or digits ("aaaaaaaaaa" is not a reason).
MIN_REASON_DISTINCT = 5
#: Reasons refused however long (placeholders, not reasons).
TRIVIAL_REASONS = frozenset({"nareason", "noreason", "testtesttest", "lookuplookup", "nothingreally", "asdfasdfasdf"})

AUDIT_DDL = (
    "CREATE SCHEMA IF NOT EXISTS audit",
    "CREATE SEQUENCE IF NOT EXISTS audit.lookup_log_seq START 1",
    """CREATE TABLE IF NOT EXISTS audit.lookup_log (
        lookup_id BIGINT PRIMARY KEY DEFAULT nextval('audit.lookup_log_seq'),
        looked_up_at TIMESTAMP NOT NULL,
        looked_up_by VARCHAR NOT NULL,
        client_id VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        records_shown INTEGER NOT NULL,
        claimed_user VARCHAR
    )""",
)
#: Warehouses made before claimed_user existed get the column (run by whoever may alter it).
_AUDIT_MIGRATE = "ALTER TABLE audit.lookup_log ADD COLUMN claimed_user VARCHAR"
#: A --user name (a claim, recorded beside the audited user) is at most this long.
MAX_CLAIMED_USER_CHARS = 64

_TABLE_EXISTS = "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
_COLUMNS = "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?"
_IDENTITY = "SELECT * FROM restricted.client_identity WHERE client_id = ?"
_RECORDS = "SELECT * FROM restricted.identity_records WHERE client_id = ?"
_KNOWN_PUBLIC = "SELECT count(*) FROM marts.dim_client WHERE client_id = ?"
_LINKS = """SELECT l.* FROM restricted.match_links l
WHERE l.record_key_a IN (SELECT r.record_key FROM restricted.identity_records r WHERE r.client_id = ?)
   OR l.record_key_b IN (SELECT r.record_key FROM restricted.identity_records r WHERE r.client_id = ?)
ORDER BY l.rule, l.record_key_a, l.record_key_b"""
_AUDIT_INSERT = """INSERT INTO audit.lookup_log (looked_up_at, looked_up_by, client_id, reason, records_shown,
claimed_user) VALUES (?, ?, ?, ?, ?, ?) RETURNING lookup_id"""
#: The database session's user on each server engine (who the audit names there).
_SESSION_USER = {"postgres": "SELECT session_user", "sqlserver": "SELECT SUSER_SNAME()",
                 "spark": "SELECT current_user()"}


class LookupRefused(Exception):
    """The lookup was not allowed (no reason, trivial reason, no user); nothing was read."""


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
    """The reason, stripped, or ``LookupRefused`` saying why it is not enough."""
    text = " ".join(str(reason or "").split())
    compact = "".join(ch for ch in text.lower() if ch.isalnum())
    if not text:
        raise LookupRefused("A lookup needs a reason: give --reason, e.g. --reason \"Case review 1234, duty team\".")
    if len(text.replace(" ", "")) < MIN_REASON_CHARS:
        raise LookupRefused(f"The reason is too short: say why you need these details "
                            f"(at least {MIN_REASON_CHARS} characters).")
    if len(set(compact)) < MIN_REASON_DISTINCT or compact in TRIVIAL_REASONS:
        raise LookupRefused("That is not a reason: say why you need these details, e.g. the case or referral.")
    return text


def ensure_audit(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in AUDIT_DDL:
        con.execute(ddl)
    if "claimed_user" not in _columns(con, "audit", "lookup_log"):
        con.execute(_AUDIT_MIGRATE)


def _exists(con, schema: str, table: str) -> bool:
    return con.execute(_TABLE_EXISTS, [schema, table]).fetchone()[0] > 0


def _columns(con, schema: str, table: str) -> set[str]:
    return {r[0] for r in con.execute(_COLUMNS, [schema, table]).fetchall()}


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


def lookup_client(warehouse: str | Path, client_id: str, reason: str | None, user: str | None = None) -> LookupResult:
    """Look a client up, auditing first. Raises ``LookupRefused`` (nothing read, nothing logged)
    for a missing or trivial reason, ``LookupFailed`` when the warehouse is not built."""
    reason_text = check_reason(reason)
    claimed = check_claimed_user(user)
    client_id = str(client_id or "").strip()
    if not client_id:
        raise LookupRefused("Give the client id to look up.")
    from costcalc.warehouse.connection import WarehouseBusy, WarehouseMissing, open_warehouse
    from costcalc.warehouse.targets import EngineError, is_server

    path = Path(warehouse)
    if not is_server() and not path.exists():  # a lookup never creates a warehouse
        raise LookupFailed(f"No warehouse at {path}. Load files and run `costcalc build` first.")
    try:
        con = open_warehouse(path=path, wait_seconds=0)
    except (EngineError, WarehouseMissing) as exc:
        raise LookupFailed(str(exc)) from None
    except (WarehouseBusy, duckdb.Error) as exc:
        raise LookupFailed(f"Cannot open the warehouse {path.name}: it is in use (a load or build running?). "
                           "Try again when it has finished.") from exc
    try:
        ensure_audit(con)
        who = audited_user(con)
        missing = [t for t in ("client_identity", "identity_records") if not _exists(con, "restricted", t)]
        if missing:
            raise LookupFailed("The warehouse has no " + ", ".join(f"restricted.{t}" for t in missing)
                               + ": run `costcalc build` first.")
        identity = con.execute(_IDENTITY, [client_id]).df()
        records = con.execute(_RECORDS, [client_id]).df()
        links = _match_links(con, client_id, records)
        known = _exists(con, "marts", "dim_client") and con.execute(_KNOWN_PUBLIC, [client_id]).fetchone()[0] > 0
        found = not identity.empty or not records.empty
        at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        # The audit row is committed before anything is returned, let alone shown.
        con.execute("BEGIN TRANSACTION")
        try:
            lookup_id = con.execute(_AUDIT_INSERT, [at, who, client_id, reason_text, int(len(records)),
                                                    claimed]).fetchone()[0]
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    if links is not None:
        records = records.copy()
        records["linked_by"] = _linked_by(records, links)
    return LookupResult(lookup_id=lookup_id, client_id=client_id, looked_up_by=who, looked_up_at=at,
                        claimed_user=claimed,
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


def format_lookup(result: LookupResult) -> str:
    head = [f"Client lookup {result.lookup_id}: {result.client_id} "
            f"(by {result.looked_up_by}"
            f"{f', who gave --user {result.claimed_user}' if result.claimed_user else ''}"
            f" at {result.looked_up_at:%Y-%m-%d %H:%M:%S} UTC; audited)",
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
    if result.links is not None:
        out.append("")
        out.append("Match evidence: linked_by shows the rule (and score) linking each record to another.")
    return "\n".join(out) + "\n"


def _card(row: dict, skip: set[str]) -> list[str]:
    items = [(k, _text(v)) for k, v in row.items() if k not in skip and not _blank(v) and _text(v) != ""]
    width = max((len(k) for k, _ in items), default=0)
    return [f"  {k.ljust(width)}  {v}" for k, v in items]
