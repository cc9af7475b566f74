"""`costcalc lookup`: reasons, the audit log, unknown ids, match evidence, hostile input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb
import pytest
from click.testing import CliRunner

from costcalc import lookup as lk
from costcalc.cli import main
from costcalc.warehouse.restricted_store import restricted_path
from reports_marts_helper import build_marts, table_counts

REASON = "Housing case review, referral 1234"
CASE = "HN-2024-0113"
#: purpose and case reference of a lookup (tests of the reason give their own)
PURPOSE = ["--purpose", "A", "--case-reference", CASE]
KW = {"purpose": "A", "case_reference": CASE}


@pytest.fixture()
def lookup_wh(tmp_path):
    return build_marts(tmp_path / "wh.duckdb")


def restricted_con(path, read_only=True):
    """The restricted file beside the warehouse, as its own database (audit.* resolves)."""
    return duckdb.connect(str(restricted_path(path)), read_only=read_only)


def audit_rows(path, columns="lookup_id, looked_up_at, looked_up_by, client_id, reason, records_shown, claimed_user"):
    con = restricted_con(path)
    try:
        have = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'audit' "
                           "AND table_name = 'lookup_log'").fetchone()[0]
        if not have:
            return []
        return con.execute(f"SELECT {columns} FROM audit.lookup_log ORDER BY lookup_id").fetchall()
    finally:
        con.close()


def invoke(path, *args, purpose=True):
    return CliRunner().invoke(main, ["--warehouse", str(path), "lookup", *args, *(PURPOSE if purpose else [])])


def test_lookup_shows_identity_and_records_and_is_audited(lookup_wh):
    before = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(seconds=5)
    res = invoke(lookup_wh, "C00000001", "--reason", REASON, "--user", "jsmith")
    assert res.exit_code == 0, res.output
    for text in ("Ann", "Anne", "Example", "03/03/1984", "AB1 2CD", "ta_jan.xlsx", "asc.csv", "P123", "A77", "H01A"):
        assert text in res.output
    assert "Bob" not in res.output                     # only this client's records
    rows = audit_rows(lookup_wh)
    assert len(rows) == 1
    lookup_id, at, by, cid, reason, shown, claimed = rows[0]
    assert (by, cid, reason, shown, claimed) == (lk.default_user(), "C00000001", REASON, 2, "jsmith")
    assert before <= at <= datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=5)
    assert f"Client lookup {lookup_id}" in res.output


def test_every_lookup_gets_its_own_row_and_user_defaults_to_the_login(lookup_wh):
    invoke(lookup_wh, "C00000001", "--reason", REASON)
    invoke(lookup_wh, "C00000002", "--reason", "Safeguarding check for team B")
    rows = audit_rows(lookup_wh)
    assert [r[0] for r in rows] == [1, 2]
    assert [r[3] for r in rows] == ["C00000001", "C00000002"]
    assert rows[0][2] == lk.default_user() and rows[0][2]


@pytest.mark.parametrize("args", [[], ["--reason", ""], ["--reason", "   "], ["--reason", "because"],
                                  ["--reason", "aaaaaaaaaaaaaaaa"], ["--reason", "no reason"],
                                  ["--reason", "test test test"]])
def test_lookup_refused_without_a_real_reason(lookup_wh, args):
    res = invoke(lookup_wh, "C00000001", *args)
    assert res.exit_code == 2
    assert "reason" in res.output.lower()
    assert "Example" not in res.output and "AB1 2CD" not in res.output
    assert audit_rows(lookup_wh) == []


def test_refused_reason_in_the_library_reads_nothing(tmp_path):
    # not even the warehouse is opened: a missing one would otherwise be an error
    with pytest.raises(lk.LookupRefused):
        lk.lookup_client(tmp_path / "absent.duckdb", "C00000001", "short", **KW)
    assert not (tmp_path / "absent.duckdb").exists()


def test_unknown_client_is_a_clear_message_and_still_audited(lookup_wh):
    res = invoke(lookup_wh, "C99999999", "--reason", REASON, "--user", "jsmith")
    assert res.exit_code == 1
    assert "No client 'C99999999'" in res.output
    assert [(r[3], r[5]) for r in audit_rows(lookup_wh)] == [("C99999999", 0)]


def test_client_known_but_without_identity_details(lookup_wh):
    res = invoke(lookup_wh, "C00000003", "--reason", REASON)
    assert res.exit_code == 1 and "no identifying details" in res.output
    assert audit_rows(lookup_wh)[0][5] == 0


@pytest.mark.parametrize("value", ["x'; DROP TABLE marts.dim_client; --", "' OR 1=1 --",
                                   "C00000001' OR '1'='1", "C00000001'; DELETE FROM audit.lookup_log; --"])
def test_hostile_client_id_and_reason_are_only_parameters(lookup_wh, value):
    before = table_counts(lookup_wh)
    res = invoke(lookup_wh, value, "--reason", f"{REASON} {value}", "--user", value)
    assert res.exit_code == 1, res.output
    assert "Example" not in res.output and "Sample" not in res.output
    rows = audit_rows(lookup_wh)
    assert [(r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        (lk.default_user(), value.strip(), f"{REASON} {value}", 0, value.strip())]
    after = table_counts(lookup_wh)
    assert after.pop("audit.lookup_log") == 1
    assert after == before


def test_audit_is_written_before_anything_is_shown(lookup_wh, monkeypatch):
    # if the audit insert fails, the lookup fails and returns nothing
    con = restricted_con(lookup_wh, read_only=False)
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute("CREATE VIEW audit.lookup_log AS SELECT 1 AS lookup_id")
    con.close()
    res = invoke(lookup_wh, "C00000001", "--reason", REASON)
    assert res.exit_code != 0
    assert "Example" not in res.output and "AB1 2CD" not in res.output


def test_match_evidence_is_shown_when_the_table_exists(tmp_path):
    wh = build_marts(tmp_path / "links.duckdb", match_links=True)
    res = lk.lookup_client(wh, "C00000001", REASON, "jsmith", **KW)
    assert list(res.records["linked_by"]) == [
        "surname+dob+postcode 0.97 -> ASC01 asc.csv row 7", "surname+dob+postcode 0.97 -> H01A ta_jan.xlsx row 2"]
    res2 = lk.lookup_client(wh, "C00000002", REASON, "jsmith", **KW)
    assert list(res2.records["linked_by"]) == ["manual -> TF01 tf.xlsx row 2", "manual -> ASC01 asc.csv row 3"]
    assert "Match evidence" in lk.format_lookup(res2)


def test_match_evidence_is_optional(lookup_wh):
    res = lk.lookup_client(lookup_wh, "C00000001", REASON, "jsmith", **KW)
    assert res.links is None and "linked_by" not in res.records.columns
    assert "Match evidence" not in lk.format_lookup(res)


def test_lookup_needs_a_built_warehouse(tmp_path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    duckdb.connect(str(restricted_path(empty))).close()
    res = invoke(empty, "C00000001", "--reason", REASON)
    assert res.exit_code == 1 and "costcalc build" in res.output
    assert "No warehouse" in invoke(tmp_path / "none.duckdb", "C1", "--reason", REASON).output


def test_reports_never_touch_restricted_or_audit(lookup_wh):
    """The report code reads no restricted or audit table: the only audit it touches is
    the --exact log it writes (costcalc.reports.exact_log, docs/disclosure.md)."""
    import importlib
    import inspect
    import pkgutil
    import re

    from costcalc import reports
    from costcalc.commands import report as report_cmd
    modules = [importlib.import_module(m.name) for m in pkgutil.walk_packages(reports.__path__, "costcalc.reports.")]
    assert len(modules) >= 8
    for module in [reports, report_cmd, *modules]:
        src = inspect.getsource(module)
        assert "restricted." not in src, module.__name__
        if module.__name__ != "costcalc.reports.exact_log":
            assert not re.search(r"(from|join|into|update)\s+audit\.", src, re.I), module.__name__


def test_match_evidence_without_score_and_with_unlinked_pairs(lookup_wh):
    con = duckdb.connect(str(lookup_wh))
    con.execute(f"ATTACH '{restricted_path(lookup_wh)}' AS restricted")
    con.execute("CREATE TABLE restricted.match_links (record_key_a VARCHAR, record_key_b VARCHAR, rule VARCHAR,"
                " is_link BOOLEAN, decided_by VARCHAR)")
    con.execute("INSERT INTO restricted.match_links VALUES "
                "('ASC01:asc.csv:3', 'TF01:tf.xlsx:2', 'manual_link', true, 'tl'),"
                "('ASC01:asc.csv:3', 'GS00:other.csv:9', 'manual_unlink', false, 'tl')")
    con.close()
    res = lk.lookup_client(lookup_wh, "C00000002", REASON, "jsmith", **KW)
    assert list(res.records["linked_by"]) == [
        "manual_link -> TF01 tf.xlsx row 2; manual_unlink -> record GS00:other.csv:9 (not this client's) (not linked)",
        "manual_link -> ASC01 asc.csv row 3"]
    assert audit_rows(lookup_wh)[0][5] == 2


def test_user_option_cannot_impersonate_anyone(lookup_wh, monkeypatch):
    """`--user director.of.finance` was recorded as that person (issue 10, item 9); $USER too."""
    import pwd
    import os

    real = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setenv("USER", "director.of.finance")
    monkeypatch.setenv("LOGNAME", "director.of.finance")
    res = invoke(lookup_wh, "C00000001", "--reason", REASON, "--user", "director.of.finance")
    assert res.exit_code == 0, res.output
    [row] = audit_rows(lookup_wh)
    assert row[2] == real and row[6] == "director.of.finance"
    assert f"by {real}, who gave --user director.of.finance" in res.output


@pytest.mark.parametrize("user", ["x\nroot", "x\rroot", "a\x1b[2Jb", "x\u2028root", "tab\there", "x" * 65])
def test_user_option_with_control_characters_or_too_long_is_refused(lookup_wh, user):
    res = invoke(lookup_wh, "C00000001", "--reason", REASON, "--user", user)
    assert res.exit_code == 2
    assert "--user" in res.output
    assert audit_rows(lookup_wh) == []
    assert "Example" not in res.output


def test_an_old_audit_table_gains_the_claimed_user_column(lookup_wh):
    con = restricted_con(lookup_wh, read_only=False)
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")
    con.execute("CREATE SEQUENCE audit.lookup_log_seq START 1")
    con.execute("""CREATE TABLE audit.lookup_log (lookup_id BIGINT PRIMARY KEY DEFAULT nextval('audit.lookup_log_seq'),
        looked_up_at TIMESTAMP NOT NULL, looked_up_by VARCHAR NOT NULL, client_id VARCHAR NOT NULL,
        reason VARCHAR NOT NULL, records_shown INTEGER NOT NULL)""")
    con.close()
    assert invoke(lookup_wh, "C00000001", "--reason", REASON, "--user", "jo").exit_code == 0
    assert audit_rows(lookup_wh)[0][6] == "jo"


def _match(wh, tmp_path, *extra):
    return CliRunner().invoke(main, ["--warehouse", str(wh), "match", "link", "H01A:ta_jan.xlsx:2",
                                     "ASC01:asc.csv:3", "--reason", "Same person, confirmed by phone",
                                     "--decisions-file", str(tmp_path / "decisions.csv"), *extra])


def test_match_decisions_are_recorded_as_the_os_account_and_user_is_a_claim(lookup_wh, tmp_path, monkeypatch):
    monkeypatch.setenv("USER", "director.of.finance")
    res = _match(lookup_wh, tmp_path, "--user", "director.of.finance")
    assert res.exit_code == 0, res.output
    con = restricted_con(lookup_wh)
    [(by, claimed)] = con.execute("SELECT decided_by, claimed_user FROM audit.match_log").fetchall()
    con.close()
    assert (by, claimed) == (lk.default_user(), "director.of.finance")
    assert f",{lk.default_user()}," in (tmp_path / "decisions.csv").read_text()


def test_match_user_with_a_newline_is_refused(lookup_wh, tmp_path):
    res = _match(lookup_wh, tmp_path, "--user", "x\nroot")
    assert res.exit_code == 2 and "control characters" in res.output
    assert not (tmp_path / "decisions.csv").exists()
