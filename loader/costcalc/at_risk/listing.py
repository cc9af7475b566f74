"""The at-risk list: the people the rules flag, to offer them help (restricted, purpose D only).

docs/contract.md §5: any list of people to contact serves purpose D (an offer
the resident is free to refuse) and honours opt-outs. So the list is reached
like a client lookup (costcalc.lookup): it names purpose D (any other purpose
is refused), the case or programme it serves and a reason, all checked before
anything is opened; it is written to ``audit.at_risk_list_log`` (who, when,
purpose, case reference, reason, as-at date, how many listed and withheld) and
``audit.at_risk_list_people`` (which client ids), committed, before anything is
handed back to be shown. It never goes to a log.

Its people come from :func:`costcalc.governance.optouts.contactable_client_ids`,
and a flagged person stays only when at least one record the flag rests on
(``restricted.at_risk_flag_records``) is one that may be used to contact them
(:func:`costcalc.governance.optouts.contactable_records`): someone whose only
flagging records come from services they opted out of is left out. Their
details are taken from their latest such contactable record, never from an
opted-out service's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from costcalc import lookup as _lookup
from costcalc.governance import optouts
from costcalc.warehouse import restricted_store as store

#: The only purpose an at-risk list serves (docs/contract.md §5).
LIST_PURPOSE = "D"

AUDIT_DDL = (
    "CREATE SEQUENCE IF NOT EXISTS audit.at_risk_list_seq START 1",
    """CREATE TABLE IF NOT EXISTS audit.at_risk_list_log (
        list_id BIGINT PRIMARY KEY DEFAULT nextval('audit.at_risk_list_seq'),
        listed_at TIMESTAMP NOT NULL,
        listed_by VARCHAR NOT NULL,
        claimed_user VARCHAR,
        purpose VARCHAR NOT NULL,
        case_reference VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        as_at_date DATE,
        people_listed INTEGER NOT NULL,
        people_withheld INTEGER NOT NULL,
        outcome VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS audit.at_risk_list_people (
        list_id BIGINT NOT NULL,
        client_id VARCHAR NOT NULL
    )""",
)
_AUDIT_INSERT = """INSERT INTO audit.at_risk_list_log (listed_at, listed_by, claimed_user, purpose, case_reference,
reason, as_at_date, people_listed, people_withheld, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING list_id"""

#: Client ids per statement (INSERT of audit.at_risk_list_people, reading identities).
_AUDIT_CHUNK = 500

OUTCOME_LISTED = "listed"
OUTCOME_EMPTY = "nobody listed"

#: The restricted tables the list reads (built by dbt: models/restricted/at_risk_*.sql).
FLAGS_TABLE = "at_risk_flag_records"
DATES_TABLE = "at_risk_dates"
#: The columns of the list, in order.
COLUMNS = ("client_id", "rules", "household_id", "household_flagged", "surname", "firstname", "dob",
           "postcode", "address")


class AtRiskRefused(_lookup.LookupRefused):
    """The list was not allowed (a purpose other than D, no case reference or reason, a bad
    --user): nothing was opened."""


class AtRiskFailed(Exception):
    """The list could not be made (no warehouse, not built with the at-risk models, no such date)."""


@dataclass
class AtRiskList:
    list_id: int
    as_at_date: date
    listed_by: str
    listed_at: datetime
    people: pd.DataFrame            # one row per person listed (COLUMNS)
    withheld: int                   # flagged people left out: every flagging record opted out of
    households: int                 # flagged households (a member flagged, nobody in TA at the date)
    purpose: str
    case_reference: str
    claimed_user: str | None = None


def check_request(purpose: str | None, case_reference: str | None, reason: str | None,
                  user: str | None) -> tuple[str, str, str | None]:
    """(case reference, reason, claimed user) of a list request, or ``AtRiskRefused``."""
    code = str(purpose or "").strip().upper()
    if not code:
        raise AtRiskRefused("The at-risk list needs --purpose D: offering the resident help they are free to "
                            "refuse (docs/contract.md §5).")
    if code in {"A", "B", "C"}:
        raise AtRiskRefused(f"The at-risk list serves purpose D only (offering the resident help they are free "
                            f"to refuse, docs/contract.md §5), not {code}: for one person's details under "
                            "another purpose, use `costcalc lookup`.")
    try:
        the_purpose, case_ref, reason_text = _lookup.check_request(purpose, case_reference, reason)
        claimed = _lookup.check_claimed_user(user)
    except _lookup.LookupRefused as exc:
        raise AtRiskRefused(str(exc).replace("A lookup", "The at-risk list")) from None
    if the_purpose.code != LIST_PURPOSE:
        raise AtRiskRefused("The at-risk list serves purpose D only (docs/contract.md §5).")
    return case_ref, reason_text, claimed


def ensure_audit(con) -> None:
    store.ensure_schemas(con)
    for ddl in AUDIT_DDL:
        con.execute(ddl)


def _as_at(con, as_at: date | None) -> date:
    if as_at is None:
        row = con.execute(f"SELECT max(as_at_date) FROM restricted.{DATES_TABLE} WHERE is_current = 1").fetchone()
        if row[0] is None:
            raise AtRiskFailed("No data loaded yet: load files and run `costcalc build` first.")
        return _day(row[0])
    row = con.execute(f"SELECT max(as_at_date) FROM restricted.{DATES_TABLE} WHERE as_at_date <= ?",
                      [as_at]).fetchone()
    if row[0] is None:
        first = con.execute(f"SELECT min(as_at_date) FROM restricted.{DATES_TABLE}").fetchone()[0]
        since = f" the earliest is {_day(first):%d/%m/%Y} (backtest.months of the rule file)" if first else \
            " no data is loaded"
        raise AtRiskFailed(f"The rules were not evaluated on or before {as_at:%d/%m/%Y}:{since}.")
    return _day(row[0])


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) or pd.isna(value) else str(value)


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _identities(con, client_ids: list[str], contactable_keys: set[str]) -> pd.DataFrame:
    """Each client's details from their latest contactable record (newest extract date, then load order)."""
    if not client_ids:
        return pd.DataFrame(columns=["client_id", "surname", "firstname", "dob", "postcode", "address"])
    parts = []
    for i in range(0, len(client_ids), _AUDIT_CHUNK):  # SQL Server binds at most 2,100 parameters
        chunk = client_ids[i:i + _AUDIT_CHUNK]
        parts.append(con.execute(
            "SELECT client_id, record_key, surname, firstname, dob, postcode, address, extract_date, "
            f"last_load_order FROM restricted.identity_records WHERE client_id IN ({', '.join('?' for _ in chunk)})",
            chunk).df())
    records = pd.concat(parts, ignore_index=True)
    records = records[records["record_key"].isin(contactable_keys)]
    records = records.sort_values(["client_id", "extract_date", "last_load_order"], ascending=[True, False, False],
                                  na_position="last")
    return records.drop_duplicates("client_id")[["client_id", "surname", "firstname", "dob", "postcode", "address"]]


def at_risk_list(warehouse: str | Path, reason: str | None, user: str | None = None, *,
                 purpose: str | None = None, case_reference: str | None = None,
                 as_at: date | None = None) -> AtRiskList:
    """The people the at-risk rules flag at ``as_at`` (the latest evaluation date on or before
    it; default: the latest extract date), opt-outs honoured, audited before it is returned.

    ``AtRiskRefused`` (nothing opened) unless purpose D, a real case reference and reason, and
    a valid ``user``; ``AtRiskFailed`` when the warehouse is not built with the at-risk models."""
    case_ref, reason_text, claimed = check_request(purpose, case_reference, reason, user)
    from costcalc.warehouse.connection import transaction, WarehouseBusy, WarehouseMissing
    from costcalc.warehouse.targets import EngineError, is_server

    path = Path(warehouse)
    if not is_server() and not path.exists():
        raise AtRiskFailed(f"No warehouse at {path}. Load files and run `costcalc build` first.")
    try:
        with store.restricted_connection(path) as con:
            ensure_audit(con)
            who = _lookup.audited_user(con)
            missing = [t for t in (FLAGS_TABLE, DATES_TABLE, "identity_records")
                       if not store.table_exists(con, "restricted", t)]
            if missing:
                raise AtRiskFailed("The warehouse has no " + ", ".join(f"restricted.{t}" for t in missing)
                                   + ": run `costcalc build` first.")
            day = _as_at(con, as_at)
            flags = con.execute(f"SELECT rule_id, rule_name, client_id, record_key, household_id, household_in_ta "
                                f"FROM restricted.{FLAGS_TABLE} WHERE as_at_date = ?", [day]).df()
            # Purpose D: only people who may be contacted, on records that may be used to contact them.
            people = optouts.contactable_client_ids(con)
            keys = {r[1] for r in optouts.contactable_records(con)}
            usable = flags[flags["client_id"].isin(people) & flags["record_key"].isin(keys)]
            kept = sorted(set(usable["client_id"]))
            withheld = len(set(flags["client_id"]) - set(kept))
            rules = (usable.drop_duplicates(["client_id", "rule_id"]).sort_values(["client_id", "rule_id"])
                     .groupby("client_id")["rule_name"].agg("; ".join))
            homes = usable.drop_duplicates("client_id").set_index("client_id")
            frame = pd.DataFrame({"client_id": kept})
            frame["rules"] = [rules.get(c, "") for c in kept]
            frame["household_id"] = [_text(homes.at[c, "household_id"]) for c in kept]
            frame["household_flagged"] = [None if frame["household_id"].iat[i] is None
                                          else int(homes.at[c, "household_in_ta"]) == 0 for i, c in enumerate(kept)]
            frame = frame.merge(_identities(con, kept, keys), on="client_id", how="left")[list(COLUMNS)]
            households = len({h for h, f in zip(frame["household_id"], frame["household_flagged"]) if f})
            at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
            # The audit rows are committed before anything is returned, let alone shown.
            with transaction(con):
                list_id = con.execute(_AUDIT_INSERT, [at, who, claimed, LIST_PURPOSE, case_ref, reason_text, day,
                                                      len(kept), withheld,
                                                      OUTCOME_LISTED if kept else OUTCOME_EMPTY]).fetchone()[0]
                for i in range(0, len(kept), _AUDIT_CHUNK):  # the server engines' connections have no executemany
                    chunk = kept[i:i + _AUDIT_CHUNK]
                    con.execute("INSERT INTO audit.at_risk_list_people (list_id, client_id) VALUES "
                                + ", ".join("(?, ?)" for _ in chunk), [v for c in chunk for v in (list_id, c)])
    except (EngineError, WarehouseMissing, store.RestrictedMissing, store.RestrictedLocked) as exc:
        raise AtRiskFailed(str(exc)) from None
    except (WarehouseBusy, duckdb.IOException) as exc:
        raise AtRiskFailed(f"Cannot open the warehouse {path.name}: it is in use (a load or build running?). "
                           "Try again when it has finished.") from exc
    return AtRiskList(int(list_id), day, who, at, frame, withheld, households, LIST_PURPOSE, case_ref, claimed)


def format_list(result: AtRiskList, fmt: str = "table") -> str:
    """The list as text (``table``) or CSV (``csv``: spreadsheet formulas neutralised)."""
    from costcalc.safe_output import spreadsheet_row

    frame = result.people.copy()
    frame["dob"] = [d.strftime("%d/%m/%Y") if hasattr(d, "strftime") and not pd.isna(d) else "" for d in frame["dob"]]
    frame["household_flagged"] = [{True: "yes", False: "no (a member is in TA)"}.get(v, "") for v in
                                  frame["household_flagged"]]
    frame = frame.fillna("")
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in frame.itertuples(index=False):
            writer.writerow(spreadsheet_row([str(v) for v in row]))
        return out.getvalue()
    head = [f"At-risk list {result.list_id}: RESTRICTED, purpose D (an offer of help the resident is free to refuse).",
            f"As at {result.as_at_date:%d/%m/%Y}; case {result.case_reference}; audited as list {result.list_id} "
            f"by {result.listed_by}" + (f" (given as {result.claimed_user})" if result.claimed_user else "") + ".",
            f"{len(frame)} people listed, {result.households} flagged households; {result.withheld} flagged people "
            "left out because every record their flag rests on comes from a service they opted out of.", ""]
    if frame.empty:
        return "\n".join(head + ["Nobody to list."]) + "\n"
    widths = {c: max(len(c), *(len(str(v)) for v in frame[c])) for c in COLUMNS}
    lines = ["  ".join(c.ljust(widths[c]) for c in COLUMNS).rstrip(), "  ".join("-" * widths[c] for c in COLUMNS)]
    lines += ["  ".join(str(v).ljust(widths[c]) for c, v in zip(COLUMNS, row)).rstrip()
              for row in frame.itertuples(index=False)]
    return "\n".join(head + lines) + "\n"
