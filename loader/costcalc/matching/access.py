"""Who may see match evidence, and the audit of every look at it.

``costcalc match explain`` and ``costcalc match review`` show personal data
(the two records' names, dates of birth, postcodes, NHS and NI numbers), so
they are restricted as ``costcalc lookup`` is (costcalc.lookup,
costcalc.governance.purposes): a purpose, a case reference and a reason are
checked before anything is opened, and every run is written to
``audit.match_review_log`` in the restricted layer, committed before anything
is returned to be shown.

Purposes (docs/contract.md §5; docs/matching.md, "For caseworkers"):
A (support the service: a caseworker checking that a person's records are
theirs, or reviewing doubtful links for the council's own records) and B (a
legal duty: putting right inaccurate data, a subject access request or a
complaint about a wrong merge) are allowed. C (research) is never served by
identities, and D (an offer) needs no match evidence: both are refused.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from costcalc.governance import purposes as _purposes
from costcalc.governance.purposes import PURPOSES, PurposeRefused
from costcalc.lookup import audited_user, check_claimed_user
from costcalc.warehouse import restricted_store as store
from costcalc.warehouse.connection import transaction

#: The purposes match evidence may serve (docs/matching.md, "For caseworkers").
ALLOWED_PURPOSES = ("A", "B")

AUDIT_TABLE = "match_review_log"
AUDIT_DDL = """CREATE TABLE IF NOT EXISTS audit.match_review_log (
    logged_at TIMESTAMP NOT NULL,
    logged_by VARCHAR NOT NULL,
    claimed_user VARCHAR,
    action VARCHAR NOT NULL,
    purpose VARCHAR NOT NULL,
    case_reference VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    record_a VARCHAR,
    record_b VARCHAR,
    pairs_shown INTEGER NOT NULL,
    outcome VARCHAR NOT NULL
)"""


class MatchAccessRefused(PurposeRefused):
    """No purpose, a purpose match evidence never serves, no real case reference or reason,
    or a bad --user: nothing was opened."""


class MatchEvidenceFailed(Exception):
    """The warehouse cannot answer (not built, in use, no matching models)."""


@dataclass(frozen=True)
class Request:
    purpose: str
    case_reference: str
    reason: str
    claimed_user: str | None


def check_request(purpose: str | None, case_reference: str | None, reason: str | None,
                  user: str | None) -> Request:
    """The purpose (A or B), case reference, reason and --user, checked before anything opens."""
    try:
        found = _purposes.check_purpose(purpose)
        if found.code not in ALLOWED_PURPOSES:
            allowed = "; ".join(f"{c} {PURPOSES[c].title}" for c in ALLOWED_PURPOSES)
            raise PurposeRefused(f"Purpose {found.code} ({found.title}) is not served by match evidence: "
                                 f"it is shown only for {allowed} (docs/matching.md, \"For caseworkers\").")
        case = _purposes.check_case_reference(case_reference)
        text = _purposes.check_reason(reason)
        claimed = check_claimed_user(user)
    except PurposeRefused as exc:
        raise MatchAccessRefused(str(exc)) from None
    return Request(found.code, case, text, claimed)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def evidence_connection(warehouse: Path, catalog: str | None):
    """The restricted layer (read-write: the audit is written there) with, on DuckDB, the
    warehouse file attached read-only under ``catalog`` (the name the compiled model SQL
    gives it), so ``intermediate.*`` and ``restricted.*`` are read in one connection."""
    import duckdb

    from costcalc.warehouse.connection import WarehouseBusy, WarehouseMissing
    from costcalc.warehouse.targets import EngineError, is_server

    path = Path(warehouse)
    if not is_server() and not path.exists():
        raise MatchEvidenceFailed(f"No warehouse at {path}: load files and run `costcalc build` first.")
    try:
        with store.restricted_connection(path) as con:
            if not is_server():
                alias = catalog or path.stem
                try:
                    literal = "'" + str(path.resolve()).replace("'", "''") + "'"
                    con.execute(f"ATTACH {literal} AS {_quote(alias)} (READ_ONLY)")
                except duckdb.IOException as exc:
                    raise MatchEvidenceFailed(f"Cannot open the warehouse {path.name}: it is in use (a load or "
                                              "build running?). Try again when it has finished.") from exc
            yield con
    except (EngineError, WarehouseMissing, store.RestrictedMissing, store.RestrictedLocked, WarehouseBusy) as exc:
        raise MatchEvidenceFailed(str(exc)) from None


def _denied_tables(con, privilege: str, tables: list[str]) -> list[str]:
    """Of ``tables`` (schema.table), those the session may not use with ``privilege`` (SELECT or
    INSERT) on a server engine. PostgreSQL: a table that does not exist is not listed (the
    command then says the warehouse is not built). SQL Server shows a login nothing of what it
    may not use, so a table it cannot see is listed."""
    dialect = getattr(con, "dialect", None)
    cur = con.raw.cursor() if dialect in ("postgres", "sqlserver") else None
    if cur is None:
        return []
    try:
        if dialect == "postgres":
            cur.execute("SELECT n.nspname || '.' || c.relname FROM pg_class AS c "
                        "INNER JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                        "WHERE n.nspname || '.' || c.relname = ANY(%s) AND NOT (has_schema_privilege(n.oid, 'USAGE') "
                        "AND has_table_privilege(c.oid, %s))", [list(tables), privilege])
            found = {r[0] for r in cur.fetchall()}
            return [t for t in tables if t in found]
        out = []
        for t in tables:
            cur.execute("SELECT HAS_PERMS_BY_NAME(?, 'OBJECT', ?)", [t, privilege])
            row = cur.fetchone()
            if not (row and row[0] == 1):
                out.append(t)
        return out
    finally:
        cur.close()


def require_privileges(con, *, select: tuple[str, ...] = (), insert: tuple[str, ...] = ()) -> None:
    """Refuse (``MatchAccessRefused``, before anything is read) a database login that may not
    read the match evidence or add to its audit: on PostgreSQL and SQL Server the
    costcalc_caseworker role of ``costcalc setup-roles`` may (costcalc.warehouse.roles); an
    analyst's may not. The message names the login and the first table, never a person. On
    DuckDB the restricted file's permissions decide (docs/privacy.md)."""
    from costcalc.lookup import audited_user
    from costcalc.warehouse.roles import ROLES

    for privilege, tables in (("SELECT", list(select)), ("INSERT", list(insert))):
        denied = _denied_tables(con, privilege, tables) if tables else []
        if denied:
            verb = "read" if privilege == "SELECT" else "add rows to"
            raise MatchAccessRefused(
                f"Your database login {audited_user(con)} may not {verb} {denied[0]}"
                f"{' (or it is not built yet)' if con.dialect == 'sqlserver' else ''}: match evidence and "
                f"decisions are for caseworkers, the {ROLES['caseworker']} role (costcalc setup-roles --member caseworker=LOGIN; "
                "docs/matching.md, \"For caseworkers\"). Nothing was shown or recorded.")


def require_evidence_access(con) -> None:
    """What ``match explain`` and ``match review`` read and write (costcalc.warehouse.roles)."""
    from costcalc.warehouse.roles import MATCH_EVIDENCE_TABLES

    require_privileges(con, select=("restricted.identity_records", "restricted.match_links",
                                    *(f"intermediate.{t}" for t in MATCH_EVIDENCE_TABLES)),
                       insert=(f"audit.{AUDIT_TABLE}",))


def check_evidence_access(warehouse: Path) -> None:
    """On PostgreSQL and SQL Server, :func:`require_evidence_access` on a connection of its
    own, first of all: a login without the rights is refused before anything else runs (dbt
    compiling the comparison as that login included)."""
    from costcalc.warehouse.connection import WarehouseBusy, WarehouseMissing
    from costcalc.warehouse.targets import EngineError, target_name

    if target_name() not in ("postgres", "sqlserver"):
        return
    try:
        with store.restricted_connection(Path(warehouse)) as con:
            require_evidence_access(con)
    except (EngineError, WarehouseMissing, store.RestrictedMissing, store.RestrictedLocked, WarehouseBusy) as exc:
        raise MatchEvidenceFailed(str(exc)) from None


def intermediate(con, table: str, catalog: str | None) -> str:
    """An intermediate table as the evidence connection names it."""
    import duckdb

    if isinstance(con, duckdb.DuckDBPyConnection) and catalog:
        return f"{_quote(catalog)}.intermediate.{table}"
    return f"intermediate.{table}"


def ensure_review_audit(con) -> None:
    """``audit.match_review_log`` made if missing (also by ``costcalc setup-roles``)."""
    store.ensure_schemas(con)
    con.execute(AUDIT_DDL)


def audit(con, request: Request, action: str, record_a: str | None, record_b: str | None,
          pairs_shown: int, outcome: str) -> datetime:
    """One committed row of audit.match_review_log (made first if missing); when it was written."""
    ensure_review_audit(con)
    at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    who = audited_user(con)
    with transaction(con):
        con.execute("INSERT INTO audit.match_review_log (logged_at, logged_by, claimed_user, action, purpose, "
                    "case_reference, reason, record_a, record_b, pairs_shown, outcome) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [at, who, request.claimed_user, action, request.purpose, request.case_reference,
                     request.reason, record_a, record_b, int(pairs_shown), outcome])
    return at
