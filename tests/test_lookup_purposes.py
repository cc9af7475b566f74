"""`costcalc lookup` names a purpose of docs/contract.md §5, a case reference and a real reason;
purpose D honours the opt-out register (issue 11). Real DuckDB files: the warehouse and its
restricted file (tests/reports_marts_helper.py)."""

from __future__ import annotations

import duckdb
import pytest
from click.testing import CliRunner

from costcalc import lookup as lk
from costcalc.cli import main
from costcalc.governance import optouts, purposes
from costcalc.warehouse.restricted_store import restricted_connection, restricted_path
from reports_marts_helper import build_marts

REASON = "Duty team: TA placement review, case 4411"
CASE = "SG-2024-0113"
PERSONAL = ("Ann", "Example", "AB1 2CD", "03/03/1984", "P123", "A77", "ta_jan.xlsx", "asc.csv")


@pytest.fixture()
def wh(tmp_path):
    return build_marts(tmp_path / "wh.duckdb")


def lookup(wh, client="C00000001", purpose="A", case=CASE, reason=REASON, *extra):
    args = ["--warehouse", str(wh), "lookup", client]
    for opt, value in (("--purpose", purpose), ("--case-reference", case), ("--reason", reason)):
        if value is not None:
            args += [opt, value]
    return CliRunner().invoke(main, [*args, *extra])


def optout(wh, *args):
    return CliRunner().invoke(main, ["--warehouse", str(wh), "optout", *args])


def audit(wh):
    if not restricted_path(wh).exists():
        return []
    con = duckdb.connect(str(restricted_path(wh)), read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'lookup_log'"
                           ).fetchone()[0]:
            return []
        return con.execute("SELECT client_id, purpose, case_reference, reason, outcome, records_shown "
                           "FROM audit.lookup_log ORDER BY lookup_id").fetchall()
    finally:
        con.close()


def assert_nothing_personal(output):
    for text in PERSONAL:
        assert text not in output, text


# --------------------------------------------------------------------------- purposes


@pytest.mark.parametrize("purpose", ["A", "b", " D "])
def test_purposes_a_b_d_are_served_and_audited(wh, purpose):
    res = lookup(wh, purpose=purpose)
    assert res.exit_code == 0, res.output
    assert "Example" in res.output and f"Purpose {purpose.strip().upper()}" in res.output
    assert f"case {CASE}" in res.output
    assert audit(wh) == [("C00000001", purpose.strip().upper(), CASE, REASON, "shown", 2)]


def test_purpose_c_research_is_refused_and_points_to_the_marts(wh):
    res = lookup(wh, purpose="C")
    assert res.exit_code == 2
    assert "research" in res.output and "pseudonymous" in res.output and "marts" in res.output
    assert_nothing_personal(res.output)
    assert audit(wh) == []


@pytest.mark.parametrize("purpose", [None, "", "E", "AB", "marketing", "A; DROP TABLE x"])
def test_a_missing_or_unknown_purpose_is_refused(wh, purpose):
    res = lookup(wh, purpose=purpose)
    assert res.exit_code == 2 and "purpose" in res.output.lower()
    assert_nothing_personal(res.output)
    assert audit(wh) == []


@pytest.mark.parametrize("case", [None, "", "   ", "n/a", "N/A", "none", "None", "test", "TEST-1", "test123",
                                  "xxx", "XXXX", "123", "1234", "987654", "0000", "1111111", "aaaa", "tbc",
                                  "unknown", "ab1", "A-1", "CASEREF", "dummy 44", "x" * 65, "SG\n2024", "12\x1b[2J34"])
def test_placeholder_case_references_are_refused(wh, case):
    res = lookup(wh, case=case)
    assert res.exit_code == 2, res.output
    assert "case reference" in res.output.lower() or "--case-reference" in res.output
    assert_nothing_personal(res.output)
    assert audit(wh) == []


@pytest.mark.parametrize("case", ["SG-2024-0113", "CR12345", "HN 44/2024", "ref 2024/77", "4471"])
def test_real_case_references_are_accepted_and_kept(wh, case):
    res = lookup(wh, case=case)
    assert res.exit_code == 0, res.output
    assert audit(wh)[0][2] == case


@pytest.mark.parametrize("reason", ["qwertyuiop", "qwertyuiop asdf zxcv", "asdfghjkl for case", "poiuytrewq now",
                                    "Case review", "just checking this thing", "need to check something",
                                    "test testing tests", "lkjhgfdsa something here", "zxcvbnm zxcvbnm zxcvbnm"])
def test_placeholder_and_keyboard_mash_reasons_are_refused(wh, reason):
    res = lookup(wh, reason=reason)
    assert res.exit_code == 2, res.output
    assert "reason" in res.output.lower()
    assert_nothing_personal(res.output)
    assert audit(wh) == []


@pytest.mark.parametrize("reason", ["Property inspection follow-up for the housing team",
                                    "Safeguarding check for team B", "Duty team: TA placement review, case 4411",
                                    "Liberty protection safeguards review"])
def test_ordinary_reasons_pass(wh, reason):
    res = lookup(wh, reason=reason)
    assert res.exit_code == 0, res.output


def test_the_rules_are_the_ones_docs_privacy_publishes():
    from costcalc.paths import REPO_ROOT

    doc = (REPO_ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
    for number, words in ((purposes.KEYBOARD_RUN, "neighbouring keys"), (purposes.MIN_REASON_WORDS, "words"),
                          (purposes.MIN_REASON_CHARS, "characters"),
                          (purposes.MIN_CASE_REFERENCE_CHARS, "letters or digits")):
        assert f"{number} {words}" in doc, (number, words)
    assert purposes.check_case_reference("  SG-2024-0113 ") == "SG-2024-0113"
    assert purposes.check_reason("  Safeguarding   check for\nteam B ") == "Safeguarding check for team B"


def test_refusals_before_opening_read_nothing_and_audit_nothing(tmp_path):
    wh = tmp_path / "absent.duckdb"
    for kw in ({"purpose": "C", "case_reference": CASE}, {"purpose": "A", "case_reference": "n/a"},
               {"purpose": None, "case_reference": CASE}):
        with pytest.raises(lk.LookupRefused):
            lk.lookup_client(wh, "C00000001", REASON, **kw)
    assert not wh.exists() and not restricted_path(wh).exists()


def test_an_old_audit_table_gains_purpose_case_and_outcome(wh):
    con = duckdb.connect(str(restricted_path(wh)))
    con.execute("CREATE SEQUENCE audit.lookup_log_seq START 1")
    con.execute("""CREATE TABLE audit.lookup_log (lookup_id BIGINT PRIMARY KEY DEFAULT nextval('audit.lookup_log_seq'),
        looked_up_at TIMESTAMP NOT NULL, looked_up_by VARCHAR NOT NULL, client_id VARCHAR NOT NULL,
        reason VARCHAR NOT NULL, records_shown INTEGER NOT NULL, claimed_user VARCHAR)""")
    con.execute("INSERT INTO audit.lookup_log (looked_up_at, looked_up_by, client_id, reason, records_shown) "
                "VALUES (TIMESTAMP '2024-01-01 10:00:00', 'old', 'C00000002', 'An old lookup before purposes', 2)")
    con.close()
    assert lookup(wh).exit_code == 0
    assert audit(wh) == [("C00000002", None, None, "An old lookup before purposes", None, 2),
                         ("C00000001", "A", CASE, REASON, "shown", 2)]


# --------------------------------------------------------------------------- purpose D and opt-outs


def test_purpose_d_withholds_records_from_an_opted_out_service(wh):
    res = optout(wh, "add", "temporary_accommodation", " p123 ", "--reason", "Letter from the resident, 3 March 2025")
    assert res.exit_code == 0, res.output
    assert "covers 1 loaded record" in res.output
    d = lookup(wh, purpose="D")
    assert d.exit_code == 0, d.output
    assert "A77" in d.output and "asc.csv" in d.output          # adult social care: not opted out
    assert "P123" not in d.output and "ta_jan.xlsx" not in d.output and "H01A" not in d.output
    assert "Identity" not in d.output                             # the card may come from a withheld record
    assert "1 more record(s) withheld" in d.output
    assert "Match evidence" not in d.output
    a = lookup(wh, purpose="A")                                   # the opt-out is of D only
    assert a.exit_code == 0 and "P123" in a.output
    assert [(r[1], r[4], r[5]) for r in audit(wh)] == [("D", "shown", 1), ("A", "shown", 2)]


def test_purpose_d_is_refused_and_audited_when_every_service_is_opted_out(wh):
    for service, ref in (("temporary_accommodation", "P123"), ("adult_social_care", "A77")):
        assert optout(wh, "add", service, ref, "--reason", "Resident phoned the duty team today").exit_code == 0
    res = lookup(wh, purpose="D")
    assert res.exit_code == 2
    assert "opted out of purpose D" in res.output and "audited" in res.output
    assert_nothing_personal(res.output)
    assert audit(wh) == [("C00000001", "D", CASE, REASON, "refused: opted out of D", 0)]
    assert lookup(wh, "C00000002", purpose="D").exit_code == 0   # another person: not affected
    # withdrawn: D is served again
    res = optout(wh, "remove", "adult_social_care", "A77", "--reason", "Resident withdrew the opt-out by letter")
    assert res.exit_code == 0, res.output
    again = lookup(wh, purpose="D")
    assert again.exit_code == 0 and "A77" in again.output and "P123" not in again.output


def test_optout_add_checks_the_service_and_the_reference(wh):
    res = optout(wh, "add", "fishing_licences", "P123", "--reason", "Letter from the resident, 3 March")
    assert res.exit_code == 1 and "Unknown file type" in res.output and "temporary_accommodation" in res.output
    res = optout(wh, "add", "temporary_accommodation", "P999", "--reason", "Letter from the resident, 3 March")
    assert res.exit_code == 1 and "--not-loaded-yet" in res.output
    res = optout(wh, "add", "temporary_accommodation", "P999", "--reason", "Letter from the resident, 3 March",
                 "--not-loaded-yet")
    assert res.exit_code == 0 and "covers 0 loaded" in res.output
    res = optout(wh, "add", "temporary_accommodation", "p999", "--reason", "Letter from the resident, 3 March")
    assert res.exit_code == 1 and "already opted out" in res.output
    res = optout(wh, "add", "temporary_accommodation", "   ", "--reason", "Letter from the resident, 3 March")
    assert res.exit_code == 1 and "reference" in res.output
    for bad in ([], ["--reason", "qwertyuiop"], ["--reason", "because"]):
        res = optout(wh, "add", "adult_social_care", "A77", *bad)
        assert res.exit_code == 2 and "reason" in res.output.lower()
    res = optout(wh, "remove", "adult_social_care", "A77", "--reason", "Resident withdrew the opt-out today")
    assert res.exit_code == 1 and "no opt-out" in res.output


def test_the_register_records_who_and_when_and_keeps_removed_rows(wh, monkeypatch):
    monkeypatch.setenv("USER", "director.of.finance")
    assert optout(wh, "add", "adult_social_care", "A77", "--reason", "Letter from the resident, 3 March",
                  "--user", "jsmith").exit_code == 0
    assert optout(wh, "remove", "adult_social_care", "A77", "--reason", "Resident withdrew it by phone today"
                  ).exit_code == 0
    assert optout(wh, "add", "adult_social_care", "A77", "--reason", "Second letter from the resident, May"
                  ).exit_code == 0
    with restricted_connection(wh, read_only=True) as con:
        rows = optouts.list_optouts(con, include_removed=True)
        active = optouts.list_optouts(con)
    me = lk.default_user()
    assert [(r.optout_id, r.reference, r.added_by, r.added_claimed_user, r.removed_by, r.active) for r in rows] == [
        (1, "A77", me, "jsmith", me, False), (2, "A77", me, None, None, True)]
    assert rows[0].removed_at >= rows[0].added_at and rows[0].removed_reason.startswith("Resident withdrew")
    assert [r.optout_id for r in active] == [2]
    listing = optout(wh, "list")
    assert listing.exit_code == 0 and "A77" in listing.output and "withdrew" not in listing.output
    everything = optout(wh, "list", "--all")
    assert "removed" in everything.output and "withdrew" in everything.output and "jsmith" in everything.output
    assert "director.of.finance" not in everything.output


@pytest.mark.parametrize("value", ["x'; DROP TABLE restricted.optouts; --", "' OR 1=1 --"])
def test_hostile_references_are_values(wh, value):
    res = optout(wh, "add", "adult_social_care", value, "--reason", "Letter from the resident, 3 March",
                 "--not-loaded-yet")
    assert res.exit_code == 0, res.output
    with restricted_connection(wh, read_only=True) as con:
        assert [r.reference for r in optouts.list_optouts(con)] == [" ".join(value.split()).upper()]
        assert optouts.opted_out_record_keys(con, "C00000002") == set()


def test_contactable_clients_leave_out_opted_out_services(wh):
    with restricted_connection(wh, read_only=True) as con:
        assert optouts.contactable_client_ids(con) == {"C00000001", "C00000002"}   # no register yet
    optout(wh, "add", "temporary_accommodation", "P123", "--reason", "Letter from the resident, 3 March")
    with restricted_connection(wh, read_only=True) as con:
        assert optouts.contactable_client_ids(con) == {"C00000001", "C00000002"}   # still via adult social care
        assert optouts.contactable_client_ids(con, ["temporary_accommodation"]) == set()
        assert ("C00000001", "ASC01:asc.csv:7", "adult_social_care") in optouts.contactable_records(con)
        assert all(r[1] != "H01A:ta_jan.xlsx:2" for r in optouts.contactable_records(con))
    optout(wh, "add", "adult_social_care", "A77", "--reason", "Letter from the resident, 3 March")
    with restricted_connection(wh, read_only=True) as con:
        assert optouts.contactable_client_ids(con) == {"C00000002"}


def test_optout_needs_a_built_warehouse(tmp_path):
    res = optout(tmp_path / "none.duckdb", "list")
    assert res.exit_code == 1 and "costcalc build" in res.output
    main_only = tmp_path / "main.duckdb"
    duckdb.connect(str(main_only)).close()
    res = optout(main_only, "add", "adult_social_care", "A77", "--reason", "Letter from the resident, 3 March")
    assert res.exit_code == 1 and "costcalc build" in res.output
