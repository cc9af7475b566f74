"""Access roles on server engines, as in the council's original tool.

| role                  | may                                                                 |
|-----------------------|---------------------------------------------------------------------|
| costcalc_uploader     | write the raw layer (raw.*: select, insert, delete) and nothing else |
| costcalc_analyst      | read the public marts (marts.*), write the --exact report log (audit.exact_report_log) |
| costcalc_caseworker   | read the restricted identity tables and marts.dim_client, write the lookup audit (audit.lookup_log), the at-risk list audit (audit.at_risk_list_*) and the opt-out register (restricted.optouts); for `match explain|review`, read the match evidence (MATCH_EVIDENCE_TABLES, marts.client_record_links) and add rows to audit.match_review_log and audit.match_log |
| costcalc_admin        | everything in every costcalc schema                                  |

``costcalc setup-roles`` creates the four roles (NOLOGIN group roles) and their
grants; people's logins are made members (``--member analyst=alice``). Grants
on tables dbt creates later are made by default privileges of the role that
runs the build (run setup-roles as that role, normally the administrator).
PostgreSQL and SQL Server only: DuckDB is a file (keep it away from report
users) and a Spark session has no access control of its own (use the
storage's or the catalog's permissions).
"""

from __future__ import annotations

from costcalc.schemas import load_schemas

ROLES = {
    "uploader": "costcalc_uploader",
    "analyst": "costcalc_analyst",
    "caseworker": "costcalc_caseworker",
    "admin": "costcalc_admin",
}
SCHEMAS = ("raw", "staging", "intermediate", "marts", "restricted", "audit")

#: The intermediate tables ``costcalc match explain|review`` read (costcalc.matching), and
#: no other: row lineage (a SCHEMA:FILE:ROW reference), profiles and clusters, blocking keys,
#: the compared pairs, the manual decisions applied, and the inputs of the build's own
#: comparison SQL (int_match_pairs: profiles, reference pairs, the stored pair levels; its
#: weights, read when dbt compiles it; int_match_pair_levels: the candidate pairs), and the
#: block keys explain reads. tests/test_match_roles.py checks the list against the compiled SQL.
MATCH_EVIDENCE_TABLES = (
    "int_source_rows", "int_match_profiles", "int_match_clusters", "int_match_block_keys",
    "int_match_reference_pairs", "int_match_pairs", "int_match_decisions", "int_match_weight_estimates",
    "int_match_candidates", "int_match_pair_levels",
)
#: The marts tables caseworkers read: is a client id known (lookup), which record a
#: SCHEMA:FILE:ROW reference names (match link|unlink, review --decide).
CASEWORKER_MARTS = ("dim_client", "client_record_links")
#: The audit tables of the match commands: caseworkers add rows, never read or change them.
MATCH_AUDIT_TABLES = ("audit.match_review_log", "audit.match_log")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def postgres_statements(builder: str) -> list[str]:
    """The PostgreSQL statements (idempotent). ``builder`` is the role that runs dbt."""
    up, an, cw, ad = (ROLES[k] for k in ("uploader", "analyst", "caseworker", "admin"))
    out = []
    for role in ROLES.values():
        out.append(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "
                   f"THEN CREATE ROLE {role} NOLOGIN; END IF; END $$")
    for schema in SCHEMAS:
        out.append(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        out.append(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
        out.append(f"GRANT ALL ON SCHEMA {schema} TO {ad}")
        out.append(f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {ad}")
        out.append(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {ad}")
        out.append(f"ALTER DEFAULT PRIVILEGES FOR ROLE {_ident(builder)} IN SCHEMA {schema} "
                   f"GRANT ALL ON TABLES TO {ad}")
    # uploaders: the raw layer only
    out += [f"GRANT USAGE ON SCHEMA raw TO {up}",
            f"GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA raw TO {up}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {_ident(builder)} IN SCHEMA raw "
            f"GRANT SELECT, INSERT, DELETE ON TABLES TO {up}"]
    # analysts: the public marts only
    out += [f"GRANT USAGE ON SCHEMA marts TO {an}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA marts TO {an}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {_ident(builder)} IN SCHEMA marts GRANT SELECT ON TABLES TO {an}"]
    # caseworkers: restricted (read), the client dimension (is an id known), the audit (write)
    out += [f"GRANT USAGE ON SCHEMA restricted, marts, audit TO {cw}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA restricted TO {cw}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {_ident(builder)} IN SCHEMA restricted "
            f"GRANT SELECT ON TABLES TO {cw}",
            f"GRANT USAGE ON SCHEMA intermediate TO {cw}",
            *postgres_rebuilt_grants(),
            # match explain|review (costcalc.matching.access) and match link|unlink: the audit, add only
            f"GRANT INSERT ON {', '.join(MATCH_AUDIT_TABLES)} TO {cw}",
            f"GRANT INSERT ON audit.lookup_log TO {cw}",
            f"GRANT SELECT (lookup_id) ON audit.lookup_log TO {cw}",
            f"GRANT USAGE ON SEQUENCE audit.lookup_log_seq TO {cw}",
            # the opt-out register (costcalc.governance.optouts): added and removed by caseworkers
            f"GRANT SELECT, INSERT, UPDATE ON restricted.optouts TO {cw}",
            f"GRANT USAGE ON SEQUENCE restricted.optouts_seq TO {cw}",
            # the at-risk list's audit (costcalc.at_risk.listing, docs/at-risk.md)
            f"GRANT INSERT ON audit.at_risk_list_log, audit.at_risk_list_people TO {cw}",
            f"GRANT SELECT (list_id) ON audit.at_risk_list_log TO {cw}",
            f"GRANT USAGE ON SEQUENCE audit.at_risk_list_seq TO {cw}"]
    # analysts: log their --exact report runs (docs/disclosure.md), and read no audit row
    out += [f"GRANT USAGE ON SCHEMA audit TO {an}",
            f"GRANT INSERT ON audit.exact_report_log TO {an}",
            f"GRANT SELECT (log_id) ON audit.exact_report_log TO {an}",
            f"GRANT USAGE ON SEQUENCE audit.exact_report_log_seq TO {an}"]
    return out


def sqlserver_statements() -> list[str]:
    """The T-SQL statements (idempotent). Schema-level grants also cover tables dbt creates later."""
    up, an, cw, ad = (ROLES[k] for k in ("uploader", "analyst", "caseworker", "admin"))
    out = []
    for role in ROLES.values():
        out.append(f"IF DATABASE_PRINCIPAL_ID('{role}') IS NULL CREATE ROLE {role}")
    for schema in SCHEMAS:
        out.append(f"IF SCHEMA_ID('{schema}') IS NULL EXEC('CREATE SCHEMA {schema}')")
        out.append(f"GRANT CONTROL ON SCHEMA::{schema} TO {ad}")
    out += [f"GRANT CREATE TABLE, CREATE VIEW TO {ad}",
            f"GRANT SELECT, INSERT, DELETE ON SCHEMA::raw TO {up}",
            f"GRANT SELECT ON SCHEMA::marts TO {an}",
            f"GRANT SELECT ON SCHEMA::restricted TO {cw}",
            *sqlserver_rebuilt_grants(),
            f"GRANT INSERT ON SCHEMA::audit TO {cw}",
            f"GRANT INSERT ON audit.exact_report_log TO {an}",
            f"GRANT INSERT, UPDATE ON restricted.optouts TO {cw}"]
    return out


def _rebuilt_tables() -> list[str]:
    return [f"intermediate.{t}" for t in MATCH_EVIDENCE_TABLES] + [f"marts.{t}" for t in CASEWORKER_MARTS]


def postgres_rebuilt_grants() -> list[str]:
    """The caseworkers' grants on single tables that every build makes again (dbt drops and
    creates intermediate tables; publishing swaps in a new marts schema), so they are run by
    setup-roles and again after each build (:func:`grant_rebuilt`). Nothing when the role or a
    table does not exist."""
    cw = ROLES["caseworker"]
    each = " ".join(f"IF to_regclass('{t}') IS NOT NULL THEN GRANT SELECT ON {t} TO {cw}; END IF;"
                    for t in _rebuilt_tables())
    return [f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{cw}') THEN {each} END IF; END $$"]


def sqlserver_rebuilt_grants() -> list[str]:
    """As :func:`postgres_rebuilt_grants`, in T-SQL (a table moved by ALTER SCHEMA ... TRANSFER,
    as publishing moves the marts, loses its permissions too)."""
    cw = ROLES["caseworker"]
    return [f"IF DATABASE_PRINCIPAL_ID('{cw}') IS NOT NULL AND OBJECT_ID('{t}') IS NOT NULL "
            f"GRANT SELECT ON {t} TO {cw}" for t in _rebuilt_tables()]


def grant_rebuilt(con, engine: str) -> None:
    """Renew the single-table grants after a build (PostgreSQL, SQL Server; others have no roles)."""
    statements = {"postgres": postgres_rebuilt_grants, "sqlserver": sqlserver_rebuilt_grants}.get(engine)
    if statements is None:
        return
    cur = con.raw.cursor()
    try:
        for sql in statements():  # the connection commits each statement (autocommit)
            cur.execute(sql)
    finally:
        cur.close()


def member_statement(engine: str, role_key: str, user: str) -> str:
    role = ROLES[role_key]
    if engine == "postgres":
        return f"GRANT {role} TO {_ident(user)}"
    return f"ALTER ROLE {role} ADD MEMBER [{user.replace(']', ']]')}]"


def setup_roles(con, engine: str, members: list[tuple[str, str]] = ()) -> list[str]:
    """Create the raw layer and the audit table (so grants have something to
    name), the roles and grants, and the memberships. Returns the statements run."""
    from costcalc.governance.optouts import ensure_optouts
    from costcalc.lookup import ensure_audit
    from costcalc.reports.exact_log import ensure_exact_log
    from costcalc.warehouse.connection import ensure_raw

    ensure_raw(con)
    ensure_audit(con)
    ensure_exact_log(con)
    ensure_optouts(con)
    from costcalc.at_risk.listing import ensure_audit as ensure_at_risk_audit

    ensure_at_risk_audit(con)
    from costcalc.commands.match import ensure_match_audit
    from costcalc.matching.access import ensure_review_audit

    ensure_match_audit(con)
    ensure_review_audit(con)
    if engine == "postgres":
        with con.raw.cursor() as cur:
            cur.execute("SELECT current_user")
            builder = cur.fetchone()[0]
        statements = postgres_statements(builder)
    elif engine == "sqlserver":
        statements = sqlserver_statements()
    else:
        raise ValueError(f"{engine} has no roles of its own (see docs/engines.md)")
    statements += [member_statement(engine, k, u) for k, u in members]
    cur = con.raw.cursor()
    try:
        for sql in statements:
            cur.execute(sql)
    finally:
        cur.close()
    return statements


# every raw table name, for documentation and tests
def raw_tables() -> list[str]:
    return ["load_log", "rejected_rows"] + [s.table for s in load_schemas().values()]
