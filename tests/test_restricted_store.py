"""The restricted layer's own file on DuckDB (issue 11): a real load and `costcalc build`
put identities, match evidence, audit and opt-outs in ``<stem>.restricted.duckdb`` (0600,
encrypted with COSTCALC_RESTRICTED_KEY when set), never in the warehouse file nor in the
published snapshot given to analysts; the register survives rebuilds; a warehouse built
before the file existed has its audit moved, never lost."""

from __future__ import annotations

import csv
import os
import stat
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.governance import optouts
from costcalc.ingest import landing
from costcalc.transform.publish import build_and_publish, published_path
from costcalc.warehouse import restricted_store as store
from costcalc.warehouse.restricted_store import restricted_connection, restricted_path

FILES = {
    "ta_2024.csv": ("H01A", "temporary_accommodation", [
        ["pin", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "proptype"],
        ["P1", "TW3 1AB", "Ann", "Example", "03/03/1984", "01/01/2024", "31/01/2024", "350", "Self-contained"],
        ["P4", "TW7 4HJ", "Dan", "Other", "07/07/2005", "28/02/2024", "01/03/2024", "560", "Bed and Breakfast"],
    ]),
    "asc_2024.csv": ("ASC01", "adult_social_care", [
        ["ascid", "postcode", "firstname", "surname", "dob", "start", "end", "cost", "frequency", "servicetype",
         "primarysupportreasoncategory", "carepackagelineitemid"],
        ["A1", "TW3 1AB", "Ann", "Example", "03/03/1984", "29/02/2024", "29/02/2024", "100", "One-off",
         "Equipment", "Physical Support", "L1"],
    ]),
}
PERSONAL = ("Example", "TW3 1AB", "1984-03-03", "P1", "A1")
KEY = "correct horse battery staple 4471"
ASK = ["--purpose", "A", "--case-reference", "TA-2024-0031", "--reason", "Duty team: TA placement review"]


def load_and_build(root: Path) -> Path:
    wh = root / "wh.duckdb"
    for name, (schema, file_type, rows) in FILES.items():
        path = root / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        res = landing.load_file(wh, path, schema=schema, file_type=file_type, extract_date=date(2024, 2, 29))
        assert res.status == "loaded", res.message
    result = build_and_publish(wh, target_path=root / "dbt_target")
    assert result.success and result.published, result.summary()
    return wh


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("restricted_store")
    return load_and_build(root)


def tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {f"{s}.{t}" for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def ann(wh: Path) -> str:
    with restricted_connection(wh, read_only=True) as con:
        return con.execute("SELECT client_id FROM restricted.identity_records WHERE reference = 'P1'").fetchone()[0]


def test_identities_live_only_in_the_restricted_file(built):
    main_tables, published = tables(built), tables(published_path(built))
    restricted = tables(restricted_path(built))
    assert {"main.client_identity", "main.identity_records", "main.match_links"} <= restricted
    for name in (main_tables | published):
        assert not name.startswith(("restricted.", "audit.")), name
        assert name.split(".")[1] not in ("client_identity", "identity_records", "match_links", "optouts"), name
    assert all(n.startswith("marts.") for n in published)
    con = duckdb.connect(str(published_path(built)), read_only=True)
    try:
        # (time_spine_daily is the semantic layer's calendar, every day 1950-2099: no one's data)
        blob = " ".join(str(v) for t in published if t != "marts.time_spine_daily"
                        for row in con.execute(f"SELECT * FROM {t}").fetchall() for v in row)
    finally:
        con.close()
    for text in PERSONAL:
        assert text not in blob


def test_the_restricted_file_is_0600(built):
    assert mode(restricted_path(built)) == 0o600
    assert not restricted_path(built).with_name(restricted_path(built).name + ".wal").exists()


def test_a_loosened_file_is_tightened_when_opened(built):
    os.chmod(restricted_path(built), 0o644)
    with restricted_connection(built, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM restricted.client_identity").fetchone()[0] == 2
    assert mode(restricted_path(built)) == 0o600


def test_the_wal_of_a_restricted_write_is_private(built, tmp_path):
    wh = tmp_path / "copy.duckdb"
    wh.write_bytes(built.read_bytes())
    restricted_path(wh).write_bytes(restricted_path(built).read_bytes())
    os.chmod(restricted_path(wh), 0o600)
    old = os.umask(0o022)
    try:
        with restricted_connection(wh) as con:
            optouts.ensure_optouts(con)
            con.execute("INSERT INTO restricted.optouts (file_type, reference, purpose, added_at, added_by, "
                        "added_reason) VALUES ('adult_social_care', 'A1', 'D', current_timestamp, 'me', 'why not')")
            wal = restricted_path(wh).with_name(restricted_path(wh).name + ".wal")
            assert wal.exists() and mode(wal) == 0o600
    finally:
        os.umask(old)


def test_lookup_and_optout_work_on_the_real_build_and_the_register_survives_a_rebuild(built, tmp_path):
    root = tmp_path
    wh = load_and_build(root)
    client = ann(wh)
    run = lambda *a: CliRunner().invoke(main, ["--warehouse", str(wh), *a])  # noqa: E731
    assert run("optout", "add", "temporary_accommodation", "P1", "--reason", "Letter from the resident, 3 March"
               ).exit_code == 0
    res = run("lookup", client, *ASK)
    assert res.exit_code == 0 and "P1" in res.output and "A1" in res.output, res.output
    result = build_and_publish(wh, target_path=root / "dbt_target")          # a rebuild
    assert result.success, result.summary()
    with restricted_connection(wh, read_only=True) as con:
        assert [(o.file_type, o.reference) for o in optouts.list_optouts(con)] == [("temporary_accommodation", "P1")]
        assert con.execute("SELECT count(*) FROM audit.lookup_log").fetchone()[0] == 1
    d = run("lookup", client, "--purpose", "D", "--case-reference", "OFFER-2024-9", "--reason",
            "Offer of the warm homes scheme to residents")
    assert d.exit_code == 0 and "A1" in d.output and "P1" not in d.output, d.output


def test_a_warehouse_from_before_the_restricted_file_keeps_its_audit(built, tmp_path):
    wh = tmp_path / "old.duckdb"
    wh.write_bytes(built.read_bytes())
    con = duckdb.connect(str(wh))
    con.execute("CREATE SCHEMA restricted")
    con.execute("CREATE TABLE restricted.client_identity AS SELECT 'C00000001' AS client_id, 'Example' AS surname")
    con.execute("CREATE SCHEMA audit")
    con.execute("CREATE SEQUENCE audit.lookup_log_seq START 1")
    con.execute("""CREATE TABLE audit.lookup_log (lookup_id BIGINT PRIMARY KEY DEFAULT nextval('audit.lookup_log_seq'),
        looked_up_at TIMESTAMP NOT NULL, looked_up_by VARCHAR NOT NULL, client_id VARCHAR NOT NULL,
        reason VARCHAR NOT NULL, records_shown INTEGER NOT NULL, claimed_user VARCHAR)""")
    for i in range(3):
        con.execute("INSERT INTO audit.lookup_log (looked_up_at, looked_up_by, client_id, reason, records_shown) "
                    "VALUES (TIMESTAMP '2024-01-01 10:00:00', 'old', ?, 'An old lookup, case 12', 1)", [f"C{i}"])
    con.execute("CREATE TABLE audit.match_log (decided_at TIMESTAMP, decided_by VARCHAR, decision VARCHAR, "
                "record_a VARCHAR, record_b VARCHAR, reason VARCHAR)")
    con.execute("INSERT INTO audit.match_log VALUES (TIMESTAMP '2024-01-02 10:00:00', 'old', 'link', 'a', 'b', 'r')")
    con.close()
    result = build_and_publish(wh, target_path=tmp_path / "dbt_target")
    assert result.success, result.summary()
    assert not any(t.startswith(("restricted.", "audit.")) for t in tables(wh))
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "lookup", ann(wh), *ASK])
    assert res.exit_code == 0, res.output
    with restricted_connection(wh, read_only=True) as con:
        rows = con.execute("SELECT lookup_id, client_id, looked_up_by FROM audit.lookup_log ORDER BY 1").fetchall()
        assert [r[:2] for r in rows[:3]] == [(1, "C0"), (2, "C1"), (3, "C2")]
        assert rows[3][0] == 4 and rows[3][2] != "old"            # the sequence continues after the moved rows
        assert con.execute("SELECT decided_by, reason FROM audit.match_log").fetchall() == [("old", "r")]
    assert mode(restricted_path(wh)) == 0o600


def crypto_available() -> bool:
    """Whether this DuckDB can write encrypted files securely (its httpfs extension loads)."""
    con = duckdb.connect()
    try:
        store.load_crypto(con) if os.environ.get(store.KEY_ENV) else con.execute(f"LOAD {store.CRYPTO_EXTENSION}")
        return True
    except (duckdb.Error, store.RestrictedLocked):
        return False
    finally:
        con.close()


def encrypt_copy(wh: Path, key: str) -> None:
    """Replace the restricted file by an encrypted copy. Test-only: written with DuckDB's
    insecure fallback cipher when httpfs is missing (costcalc itself never uses it), so that
    the reading side can be tested anywhere."""
    plain, enc = restricted_path(wh), restricted_path(wh).with_suffix(".enc")
    con = duckdb.connect()
    try:
        if not crypto_available():
            con.execute("SET force_mbedtls_unsafe = 'true'")
        con.execute(f"ATTACH '{plain}' AS plain (READ_ONLY)")
        con.execute(f"ATTACH '{enc}' AS enc (ENCRYPTION_KEY '{key}')")
        con.execute("COPY FROM DATABASE plain TO enc")
    finally:
        con.close()
    os.chmod(enc, 0o600)
    os.replace(enc, plain)


def test_an_encrypted_restricted_file_is_unreadable_without_its_key(built, tmp_path, monkeypatch):
    wh = tmp_path / "copy.duckdb"
    wh.write_bytes(built.read_bytes())
    restricted_path(wh).write_bytes(restricted_path(built).read_bytes())
    encrypt_copy(wh, KEY)
    raw = restricted_path(wh).read_bytes()
    assert b"Example" not in raw and b"TW3 1AB" not in raw
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(restricted_path(wh)), read_only=True).execute("SELECT * FROM client_identity")
    run = lambda *a: CliRunner().invoke(main, ["--warehouse", str(wh), *a])  # noqa: E731
    monkeypatch.delenv(store.KEY_ENV, raising=False)
    res = run("lookup", "C00000001", *ASK)
    assert res.exit_code == 1 and "encrypted" in res.output and f"set {store.KEY_ENV}" in res.output, res.output
    monkeypatch.setenv(store.KEY_ENV, "not the key")
    res = run("optout", "list")
    assert res.exit_code == 1 and "does not hold its key" in res.output and "not the key" not in res.output
    monkeypatch.setenv(store.KEY_ENV, KEY)
    res = run("optout", "list")                                     # reading needs only the key
    assert res.exit_code == 0 and "No opt-outs" in res.output, res.output
    assert KEY not in res.output
    assert_key_in_no_file(tmp_path)


def assert_key_in_no_file(root: Path) -> None:
    """The key is in no file written (the DuckDB files themselves are encrypted with it)."""
    for path in root.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_encryption_at_rest_with_the_key_from_the_environment(tmp_path, monkeypatch):
    """With COSTCALC_RESTRICTED_KEY set, the build writes the restricted file encrypted, if DuckDB
    can do so securely (its httpfs extension); where it cannot, the build is refused and no
    unencrypted restricted file is written (never DuckDB's insecure fallback)."""
    monkeypatch.setenv(store.KEY_ENV, KEY)
    if not crypto_available():
        wh = tmp_path / "wh.duckdb"
        name, (schema, file_type, rows) = next(iter(FILES.items()))
        with open(tmp_path / name, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        assert landing.load_file(wh, tmp_path / name, schema=schema, file_type=file_type).status == "loaded"
        result = build_and_publish(wh, target_path=tmp_path / "dbt_target")
        assert not result.success
        assert store.KEY_ENV in result.summary() and "httpfs" in result.summary() and KEY not in result.summary()
        assert not restricted_path(wh).exists()
        assert not published_path(wh).exists()
        assert_key_in_no_file(tmp_path)
        return
    wh = load_and_build(tmp_path)
    raw = restricted_path(wh).read_bytes()
    assert b"Example" not in raw and b"TW3 1AB" not in raw
    assert mode(restricted_path(wh)) == 0o600
    client = ann(wh)
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "lookup", client, *ASK])
    assert res.exit_code == 0 and "Example" in res.output
    monkeypatch.delenv(store.KEY_ENV)
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "lookup", client, *ASK])
    assert res.exit_code == 1 and "encrypted" in res.output
    assert_key_in_no_file(tmp_path)
