"""The opt-out register: a person's refusal of purpose D for one service's information.

docs/contract.md §5: a resident may opt out of purpose D (an offer of an
additional benefit), and the opt-out covers the information from the service
where it was given, not every service. So an opt-out is keyed by the record
reference that service uses for the person: the file type (the service, e.g.
``temporary_accommodation``) and the provider's reference in it (the schema's
``identity: reference`` column, e.g. the housing system's person reference),
compared trimmed and upper case.

The register is ``restricted.optouts`` in the restricted layer (the restricted
file on DuckDB, the restricted schema on servers), made by costcalc, not by
dbt, so no build touches it. A row is never deleted: ``remove`` stamps it
removed, so who added and who removed each opt-out, when and why, stays on
record. At most one opt-out per record reference is active (not removed).

Honoured by:

- ``costcalc lookup --purpose D`` (costcalc.lookup): records from an opted-out
  service are withheld; a person opted out of every service holding their
  records is refused;
- every cohort or list meant for contacting people, which must take its people
  from :func:`contactable_records` or :func:`contactable_client_ids`
  (docs/privacy.md "Opt-outs").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from costcalc.warehouse import restricted_store as store
from costcalc.warehouse.connection import transaction

#: The only purpose a person can opt out of (A and B do not need consent; C never reaches identities).
OPTOUT_PURPOSE = "D"

OPTOUTS_DDL = (
    "CREATE SEQUENCE IF NOT EXISTS restricted.optouts_seq START 1",
    """CREATE TABLE IF NOT EXISTS restricted.optouts (
        optout_id BIGINT PRIMARY KEY DEFAULT nextval('restricted.optouts_seq'),
        file_type VARCHAR NOT NULL,
        reference VARCHAR NOT NULL,
        purpose VARCHAR NOT NULL,
        added_at TIMESTAMP NOT NULL,
        added_by VARCHAR NOT NULL,
        added_claimed_user VARCHAR,
        added_reason VARCHAR NOT NULL,
        removed_at TIMESTAMP,
        removed_by VARCHAR,
        removed_claimed_user VARCHAR,
        removed_reason VARCHAR
    )""",
)

#: A record reference as compared: trimmed, upper case (SQL side; Python: :func:`normalise_reference`).
_REF_SQL = "upper(trim({}))"
_ACTIVE = "removed_at IS NULL AND purpose = 'D'"
#: Records withheld from purpose D: the record's service and reference match an active opt-out.
_OPTED_OUT_RECORDS = f"""SELECT r.record_key FROM restricted.identity_records r
WHERE r.client_id = ? AND EXISTS (SELECT 1 FROM restricted.optouts o WHERE o.{_ACTIVE}
  AND o.file_type = r.file_type AND o.reference = {_REF_SQL.format('r.reference')})"""
_CONTACTABLE = f"""SELECT r.client_id, r.record_key, r.file_type FROM restricted.identity_records r
WHERE NOT EXISTS (SELECT 1 FROM restricted.optouts o WHERE o.{_ACTIVE}
  AND o.file_type = r.file_type AND o.reference = {_REF_SQL.format('r.reference')})"""


class OptOutError(Exception):
    """The opt-out cannot be recorded or removed as asked (nothing was changed)."""


@dataclass
class OptOut:
    optout_id: int
    file_type: str
    reference: str
    purpose: str
    added_at: datetime
    added_by: str
    added_claimed_user: str | None
    added_reason: str
    removed_at: datetime | None = None
    removed_by: str | None = None
    removed_claimed_user: str | None = None
    removed_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None


_FIELDS = ("optout_id", "file_type", "reference", "purpose", "added_at", "added_by", "added_claimed_user",
           "added_reason", "removed_at", "removed_by", "removed_claimed_user", "removed_reason")


def normalise_reference(reference: str | None) -> str:
    return " ".join(str(reference or "").split()).upper()


def ensure_optouts(con) -> None:
    """The register's table (and its sequence); idempotent."""
    store.ensure_schemas(con)
    for ddl in OPTOUTS_DDL:
        con.execute(ddl)


def has_register(con) -> bool:
    return store.table_exists(con, "restricted", "optouts")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def check_file_type(file_type: str) -> str:
    """A known file type (seeds/file_types.csv), or ``OptOutError`` listing them."""
    from costcalc.schemas import load_file_types

    known = load_file_types()
    name = str(file_type or "").strip().lower()
    if name not in known:
        raise OptOutError(f"Unknown file type {str(file_type)[:40]!r}: an opt-out names the service by its "
                          f"file type, one of {', '.join(sorted(known))}.")
    return name


def records_with_reference(con, file_type: str, reference: str) -> int:
    """How many loaded records of the service carry the reference."""
    if not store.table_exists(con, "restricted", "identity_records"):
        return 0
    return int(con.execute("SELECT count(*) FROM restricted.identity_records WHERE file_type = ? AND "
                           f"{_REF_SQL.format('reference')} = ?", [file_type, reference]).fetchone()[0])


def _active(con, file_type: str, reference: str) -> list[int]:
    return [r[0] for r in con.execute(
        f"SELECT optout_id FROM restricted.optouts WHERE {_ACTIVE} AND file_type = ? AND reference = ?",
        [file_type, reference]).fetchall()]


def add_optout(con, file_type: str, reference: str, reason: str, *, by: str, claimed_user: str | None = None,
               allow_unloaded: bool = False) -> tuple[OptOut, int]:
    """Record the person's refusal of purpose D for the service's information; return it
    and how many loaded records it covers. ``OptOutError`` when the reference is empty,
    already opted out, or (unless ``allow_unloaded``) on no loaded record of the service."""
    file_type = check_file_type(file_type)
    ref = normalise_reference(reference)
    if not ref:
        raise OptOutError("Give the person's reference in that service (the provider's record reference).")
    ensure_optouts(con)
    if _active(con, file_type, ref):
        raise OptOutError(f"That reference is already opted out of purpose D for {file_type}.")
    covered = records_with_reference(con, file_type, ref)
    if not covered and not allow_unloaded:
        raise OptOutError(f"No loaded {file_type} record has that reference: check it, or give "
                          "--not-loaded-yet to record the opt-out before the service's file arrives.")
    at = _now()
    with transaction(con):
        if _active(con, file_type, ref):
            raise OptOutError(f"That reference is already opted out of purpose D for {file_type}.")
        optout_id = con.execute(
            "INSERT INTO restricted.optouts (file_type, reference, purpose, added_at, added_by, added_claimed_user, "
            "added_reason) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING optout_id",
            [file_type, ref, OPTOUT_PURPOSE, at, by, claimed_user, reason]).fetchone()[0]
    return OptOut(int(optout_id), file_type, ref, OPTOUT_PURPOSE, at, by, claimed_user, reason), covered


def remove_optout(con, file_type: str, reference: str, reason: str, *, by: str,
                  claimed_user: str | None = None) -> OptOut:
    """Withdraw the active opt-out (the row stays, stamped removed by whom, when and why)."""
    file_type = check_file_type(file_type)
    ref = normalise_reference(reference)
    if not has_register(con):
        raise OptOutError(f"That reference has no opt-out for {file_type}.")
    at = _now()
    with transaction(con):
        ids = _active(con, file_type, ref)
        if not ids:
            raise OptOutError(f"That reference has no opt-out for {file_type}.")
        con.execute("UPDATE restricted.optouts SET removed_at = ?, removed_by = ?, removed_claimed_user = ?, "
                    "removed_reason = ? WHERE optout_id = ?", [at, by, claimed_user, reason, ids[0]])
    return list_optouts(con, include_removed=True, optout_id=ids[0])[0]


def list_optouts(con, *, file_type: str | None = None, include_removed: bool = False,
                 optout_id: int | None = None) -> list[OptOut]:
    """The register (active opt-outs only unless ``include_removed``), oldest first."""
    if not has_register(con):
        return []
    where, params = [], []
    if not include_removed:
        where.append("removed_at IS NULL")
    if file_type:
        where.append("file_type = ?")
        params.append(check_file_type(file_type))
    if optout_id is not None:
        where.append("optout_id = ?")
        params.append(int(optout_id))
    sql = f"SELECT {', '.join(_FIELDS)} FROM restricted.optouts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [OptOut(*row) for row in con.execute(sql + " ORDER BY optout_id", params).fetchall()]


def opted_out_record_keys(con, client_id: str) -> set[str]:
    """The client's records withheld from purpose D (their service's data was opted out of)."""
    if not has_register(con):
        return set()
    return {r[0] for r in con.execute(_OPTED_OUT_RECORDS, [client_id]).fetchall()}


def contactable_records(con, file_types: list[str] | tuple[str, ...] | None = None) -> list[tuple[str, str, str]]:
    """(client_id, record_key, file_type) of every record that may be used to contact its
    person under purpose D: records from a service the person opted out of are left out.
    A contact list built from some services passes their ``file_types``; it must take its
    people from these records only (docs/privacy.md "Opt-outs")."""
    sql = _CONTACTABLE if has_register(con) else \
        "SELECT r.client_id, r.record_key, r.file_type FROM restricted.identity_records r WHERE 1 = 1"
    params: list = []
    if file_types:
        names = [check_file_type(f) for f in file_types]
        sql += f" AND r.file_type IN ({', '.join('?' for _ in names)})"
        params += names
    return [tuple(r) for r in con.execute(sql + " ORDER BY r.client_id, r.record_key", params).fetchall()]


def contactable_client_ids(con, file_types: list[str] | tuple[str, ...] | None = None) -> set[str]:
    """The client ids that :func:`contactable_records` leaves in: every cohort or list meant
    for contacting people keeps only these."""
    return {r[0] for r in contactable_records(con, file_types)}
