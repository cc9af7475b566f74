"""The at-risk rules (docs/at-risk.md), on DuckDB and PostgreSQL: CSV files written here ->
the loader (load_file) -> `costcalc build` (dbt) -> the backtest mart, `report at-risk
--evaluate` and the restricted `at-risk list`.

The borough is small enough to work out by hand. The rule file (RULES) has three rules,
a 12-month backtest and a 3-month follow-up; the latest extract date is 31/12/2024, so the
month ends 31/12/2023 .. 30/11/2024 are evaluated and those up to 30/09/2024 have their
whole follow-up in the TA data (10 months backtested).

- Ann: housing benefit claim R1 in the snapshots of 31/03 and 30/04, gone from 31/05:
  the end is known on 31/05, so "HB ended" (2 months) flags her at 31/05 and 30/06.
  TA from 15/08/2024: an entrant at 31/05, 30/06, 31/07 (3); both flags right.
- Bob: claim R2 in every snapshot: never ended, never flagged.
- Cat: first on the Troubled Families list of 31/07: "TF" (3 months) flags her at 31/07,
  31/08, 30/09. Never in TA: 3 wrong flags.
- Dan: first on the TF list of 31/10 (flagged 31/10 and 30/11, not backtested); TA from
  10/12/2024: an entrant at 30/09 (1), and in TA at 31/12, so not on the current list.
- Eve: substance misuse from 01/01 to 30/06/2024 at 1,000 a month (over 500 in any window
  holding a month of it): "Drugs and spend" (6 months) flags her at 31/01 .. 30/11, of
  which 31/01 .. 30/09 are backtested (9). TA 15/11 - 20/11/2024: an entrant at 31/08
  and 30/09 (2), both flagged.
- Frank: TA 10/04 - 10/05/2024 with no record before: an entrant at 31/01, 29/02, 31/03
  (3), never flagged.
- Grace: in TA since 01/10/2023 (ongoing) and on the TF list of 31/07: never flagged
  (in TA), never an entrant.
- Hal: first on the TF list of 31/10: flagged at 31/12 (now). Ivy likewise, but she opted
  out of purpose D for the Troubled Families data, which her flag rests on: left off the
  list, although her adult social care record may still be used to contact her.

Backtest (client-months): entered TA 3 + 2 + 1 + 3 = 9 (4 clients).
HB ended 2 flagged, 2 right; TF 3 flagged, 0 right; Drugs 9 flagged, 2 right;
the rule set 14 flagged (3 clients), 4 right (2 clients).
"""

from __future__ import annotations

import contextlib
import csv
import json
from datetime import date

import duckdb
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from costcalc.paths import PROJECT_ENV, environment
from costcalc.transform.publish import build_and_publish
from costcalc.warehouse.restricted_store import restricted_connection

RULES = """\
backtest: {months: 12, follow_up_months: 3}
rules:
  - name: HB ended
    description: A housing benefit claim ended in the last 2 months.
    when: {kind: housing_benefit_claim_ended, within_months: 2}
  - name: TF
    description: Joined the Troubled Families programme in the last 3 months.
    when: {kind: troubled_families_referral, within_months: 3}
  - name: Drugs and spend
    description: Used substance misuse services and cost over 500 pounds in the last 6 months.
    when:
      all:
        - {kind: service_used, service: substance misuse, within_months: 6}
        - {kind: spend_above, amount: 500, within_months: 6}
"""

PEOPLE = {  # firstname, surname, dob, postcode
    "ann": ("Ann", "Ashby", "03/03/1984", "TW3 1AB"),
    "bob": ("Bob", "Brent", "01/06/1954", "TW4 2DD"),
    "cat": ("Cat", "Cotton", "05/05/1999", "TW5 3EF"),
    "dan": ("Dan", "Dobbs", "07/07/2005", "TW7 4GH"),
    "eve": ("Eve", "Ewart", "01/01/1960", "TW8 5JL"),
    "frank": ("Frank", "Fuller", "02/02/1970", "TW9 6LN"),
    "grace": ("Grace", "Gibbs", "04/04/1990", "TW10 7NP"),
    "hal": ("Hal", "Hurst", "06/06/1980", "TW11 8QR"),
    "ivy": ("Ivy", "Irwin", "08/08/1975", "TW12 9ST"),
}
LATEST = date(2024, 12, 31)
REASON = "Homelessness prevention team: outreach offers this month"
CASE = "HPT-2025-014"


def _hb(ref, who, snap):
    first, last, dob, pc = PEOPLE[who]
    return [ref, pc, first, last, dob, "01/01/2024", snap, "70"]


def _tf(ref, who):
    first, last, dob, pc = PEOPLE[who]
    return [ref, first, last, dob, pc]


def _ta(ref, who, start, end):
    first, last, dob, pc = PEOPLE[who]
    return [ref, pc, first, last, dob, start, end, "300", "Bed and Breakfast"]


HB_HEAD = ["housing_benefit_claim_reference_number", "claimants_postcode", "claimants_first_forename",
           "claimants_surname", "claimants_date_of_birth", "hb_claim_entitlement_start_date", "snapshot_date",
           "weekly_housing_benefit_entitlement"]
TF_HEAD = ["individualid", "firstname", "lastname", "dob", "postcode"]
TA_HEAD = ["pin", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "proptype"]
GS_HEAD = ["extref", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "costfrequency",
           "servicedesc"]
ASC_HEAD = ["ascid", "postcode", "firstname", "surname", "dob", "start", "end", "cost", "frequency", "servicetype",
            "carepackagelineitemid"]

#: file name -> (schema, file type, extract date or None (from the data), rows)
FILES = {
    "hb_2024_03.csv": ("RB01", "housing_benefit", None,
                       [HB_HEAD, _hb("R1", "ann", "31/03/2024"), _hb("R2", "bob", "31/03/2024")]),
    "hb_2024_04.csv": ("RB01", "housing_benefit", None,
                       [HB_HEAD, _hb("R1", "ann", "30/04/2024"), _hb("R2", "bob", "30/04/2024")]),
    "hb_2024_05.csv": ("RB01", "housing_benefit", None, [HB_HEAD, _hb("R2", "bob", "31/05/2024")]),
    "tf_2024_07.csv": ("TF01", "troubled_families", date(2024, 7, 31),
                       [TF_HEAD, _tf("T-CAT", "cat"), _tf("T-GRACE", "grace")]),
    "tf_2024_10.csv": ("TF01", "troubled_families", date(2024, 10, 31),
                       [TF_HEAD, _tf("T-CAT", "cat"), _tf("T-DAN", "dan"), _tf("T-HAL", "hal"),
                        _tf("T-IVY", "ivy")]),
    "drugs_2024.csv": ("GS00", "substance_misuse", LATEST, [
        GS_HEAD,
        ["E1", PEOPLE["eve"][3], "Eve", "Ewart", "01/01/1960", "01/01/2024", "30/06/2024", "1000", "Monthly",
         "Structured treatment"]]),
    "asc_2024.csv": ("ASC01", "adult_social_care", LATEST, [
        ASC_HEAD,
        ["A9", PEOPLE["ivy"][3], "Ivy", "Irwin", "08/08/1975", "01/01/2024", "01/02/2024", "10", "Weekly",
         "Equipment", "L9"]]),
    "ta_2024.csv": ("H01A", "temporary_accommodation", LATEST, [
        TA_HEAD, _ta("P1", "ann", "15/08/2024", "30/09/2024"), _ta("P5", "eve", "15/11/2024", "20/11/2024"),
        _ta("P4", "dan", "10/12/2024", ""), _ta("P6", "frank", "10/04/2024", "10/05/2024"),
        _ta("P7", "grace", "01/10/2023", "")]),
}


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def invoke(engine, project, wh, *args):
    with engine.selected(), environment({PROJECT_ENV: str(project)}):
        return CliRunner().invoke(main, ["--warehouse", str(wh), *args])


def restricted_rows(engine, wh, sql, params=()):
    with engine.selected():
        if engine.name == "duckdb":
            with restricted_connection(wh, read_only=True) as con:
                return con.execute(sql, list(params)).fetchall()
        con = engine.open(wh)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()


@contextlib.contextmanager
def built_borough(engine_name, root, rules, files, settings=None):
    """``files`` (name -> (schema, file type, extract date or None, rows)) loaded and built
    with ``rules`` as the project's at-risk rules (and ``settings`` as its costcalc.yml) on
    the engine (PostgreSQL: a database of its own): yields (engine, project, warehouse)."""
    from helpers import postgres as pg
    from helpers.engines import Engine

    project = root / "project"
    project.mkdir()
    (project / "at_risk_rules.yml").write_text(rules, encoding="utf-8")
    if settings is not None:
        (project / "costcalc.yml").write_text(settings, encoding="utf-8")
    wh = root / "wh.duckdb"
    if engine_name == "postgres":
        pg.server_or_skip()
    with (pg.fresh_database() if engine_name == "postgres" else contextlib.nullcontext()) as name:
        engine = Engine(engine_name, {"COSTCALC_PG_DATABASE": name} if name else {})
        with engine.selected(), environment({PROJECT_ENV: str(project)}):
            for file_name, (schema, file_type, extract, rows) in files.items():
                res = load_file(wh, write_csv(root / file_name, rows), schema=schema, file_type=file_type,
                                extract_date=extract)
                assert res.status == "loaded" and res.rows_rejected == 0, (file_name, res.message)
            result = build_and_publish(wh, target_path=root / "dbt_target")
            assert result.success, result.summary()
        yield engine, project, wh


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def borough(request, tmp_path_factory):
    """The borough loaded and built once per engine (PostgreSQL: a database of its own)."""
    root = tmp_path_factory.mktemp(f"at_risk_{request.param}")
    with built_borough(request.param, root, RULES, FILES, "disclosure:\n  threshold: 3\n") as (engine, project, wh):
        ids = dict(restricted_rows(engine, wh, "SELECT reference, client_id FROM restricted.identity_records"))
        clients = {who: ids[ref] for who, ref in (("ann", "P1"), ("bob", "R2"), ("cat", "T-CAT"), ("dan", "T-DAN"),
                                                   ("eve", "E1"), ("frank", "P6"), ("grace", "P7"),
                                                   ("hal", "T-HAL"), ("ivy", "T-IVY"))}
        assert ids["R1"] == clients["ann"] and ids["T-IVY"] == ids["A9"]  # one client per person
        assert len(set(clients.values())) == len(clients)
        yield engine, project, wh, clients


def backtest(engine, wh):
    con = engine.open(wh) if engine.name != "duckdb" else None
    if con is None:
        from costcalc.transform.publish import published_path

        con = duckdb.connect(str(published_path(wh)), read_only=True)
    try:
        cols = ("rule_id", "rule_name", "months_evaluated", "first_as_at_date", "last_as_at_date",
                "follow_up_months", "flagged", "flagged_clients", "flagged_entered_ta", "flagged_entered_ta_clients",
                "entered_ta", "entered_ta_clients", "precision_rate", "recall_rate")
        rows = con.execute(f"SELECT {', '.join(cols)} FROM marts.fct_at_risk_backtest ORDER BY rule_id").fetchall()
    finally:
        con.close()
    return {r[1]: dict(zip(cols, r)) for r in rows}


def flags(engine, wh, as_at):
    return {(r[0], r[1]) for r in restricted_rows(
        engine, wh, "SELECT DISTINCT rule_name, client_id FROM restricted.at_risk_flag_records WHERE as_at_date = ?",
        [as_at])}


# --------------------------------------------------------------------------- the rules and the backtest


def test_each_rule_flags_whom_the_hand_count_says_at_each_month_end(borough):
    engine, _, wh, c = borough
    assert flags(engine, wh, date(2024, 5, 31)) == {("HB ended", c["ann"]), ("Drugs and spend", c["eve"])}
    assert flags(engine, wh, date(2024, 6, 30)) == {("HB ended", c["ann"]), ("Drugs and spend", c["eve"])}
    assert flags(engine, wh, date(2024, 7, 31)) == {("TF", c["cat"]), ("Drugs and spend", c["eve"])}  # not Grace: in TA
    assert flags(engine, wh, date(2024, 10, 31)) == {("TF", c["dan"]), ("TF", c["hal"]), ("TF", c["ivy"]),
                                                     ("Drugs and spend", c["eve"])}
    assert flags(engine, wh, date(2023, 12, 31)) == set()
    # now (the latest extract date): Dan is in TA, Cat's listing is older than 3 months
    assert flags(engine, wh, LATEST) == {("TF", c["hal"]), ("TF", c["ivy"])}


def test_the_backtest_counts_precision_and_recall_by_hand(borough):
    engine, _, wh, _ = borough
    got = backtest(engine, wh)
    assert list(got) == ["Any rule (the rule set)", "HB ended", "TF", "Drugs and spend"]
    for row in got.values():
        assert (row["months_evaluated"], row["first_as_at_date"], row["last_as_at_date"], row["follow_up_months"]) \
            == (10, date(2023, 12, 31), date(2024, 9, 30), 3)
        assert (row["entered_ta"], row["entered_ta_clients"]) == (9, 4)
    expect = {  # flagged, clients, right, right clients, precision, recall
        "Any rule (the rule set)": (14, 3, 4, 2, 4 / 14, 4 / 9),
        "HB ended": (2, 1, 2, 1, 1.0, 2 / 9),
        "TF": (3, 1, 0, 0, 0.0, 0.0),
        "Drugs and spend": (9, 1, 2, 1, 2 / 9, 2 / 9),
    }
    for name, (flagged, clients, right, right_clients, precision, recall) in expect.items():
        row = got[name]
        assert (row["flagged"], row["flagged_clients"], row["flagged_entered_ta"],
                row["flagged_entered_ta_clients"]) == (flagged, clients, right, right_clients), name
        assert row["precision_rate"] == pytest.approx(precision) and row["recall_rate"] == pytest.approx(recall)


def test_report_at_risk_evaluate_suppresses_small_numbers_and_exact_shows_them(borough):
    engine, project, wh, _ = borough
    res = invoke(engine, project, wh, "report", "at-risk", "--evaluate", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = {r["rule"]: r for r in json.loads(res.stdout)["rows"]}
    # threshold 3 (costcalc.yml): 1 or 2 people are suppressed with what is computed over them
    assert rows["Any rule (the rule set)"]["flagged_clients"] == 3 and rows["Any rule (the rule set)"]["flagged"] == 14
    assert rows["Any rule (the rule set)"]["flagged_entered_ta_clients"] == "<3"
    assert rows["Any rule (the rule set)"]["precision"] == "<3" and rows["Any rule (the rule set)"]["recall"] == "<3"
    assert rows["TF"]["flagged_clients"] == "<3" and rows["TF"]["flagged_entered_ta_clients"] == 0
    # a count in a column with suppressed cells is still a whole number (not 0.0)
    assert isinstance(rows["TF"]["flagged_entered_ta_clients"], int) and isinstance(rows["TF"]["flagged_entered_ta"], int)
    as_csv = invoke(engine, project, wh, "report", "at-risk", "--evaluate", "--format", "csv")
    tf = next(r for r in csv.reader(as_csv.stdout.splitlines()) if r[0] == "TF")
    assert tf[1:5] == ["<3", "<3", "0", "0"], tf
    assert rows["HB ended"]["entered_ta_clients"] == 4 and rows["HB ended"]["entered_ta"] == 9
    for text in ("Ann", "Ashby", "C000"):
        assert text not in res.output
    exact = invoke(engine, project, wh, "report", "at-risk", "--evaluate", "--exact", "--format", "json")
    assert exact.exit_code == 0, exact.output
    rows = {r["rule"]: r for r in json.loads(exact.stdout)["rows"]}
    assert rows["Drugs and spend"]["precision"] == pytest.approx(2 / 9) and rows["TF"]["flagged"] == 3
    assert "NOT FOR PUBLICATION" in exact.stderr


def test_report_at_risk_without_evaluate_points_to_the_restricted_list(borough):
    engine, project, wh, _ = borough
    res = invoke(engine, project, wh, "report", "at-risk")
    assert res.exit_code == 2 and "--evaluate" in res.output and "at-risk list --purpose D" in res.output


# --------------------------------------------------------------------------- the restricted list


def list_audit(engine, wh):
    return (restricted_rows(engine, wh, "SELECT list_id, purpose, case_reference, reason, as_at_date, people_listed, "
                                        "people_withheld, outcome FROM audit.at_risk_list_log ORDER BY list_id"),
            restricted_rows(engine, wh, "SELECT list_id, client_id FROM audit.at_risk_list_people "
                                        "ORDER BY list_id, client_id"))


def test_list_purpose_d_lists_flagged_people_leaves_out_an_opt_out_and_audits_first(borough):
    engine, project, wh, c = borough
    added = invoke(engine, project, wh, "optout", "add", "troubled_families", "t-ivy",
                   "--reason", "Letter from the resident dated 3 March 2025")
    assert added.exit_code == 0, added.output
    try:
        before = list_audit(engine, wh)[0] if _has_list_log(engine, wh) else []
        res = invoke(engine, project, wh, "at-risk", "list", "--purpose", "D", "--case-reference", CASE,
                     "--reason", REASON, "--format", "csv")
        assert res.exit_code == 0, res.output
        lines = list(csv.reader(res.stdout.splitlines()))
        assert lines[0][:2] == ["client_id", "rules"]
        assert [(r[0], r[1], r[4], r[5]) for r in lines[1:]] == [(c["hal"], "TF", "Hurst", "Hal")]
        assert c["ivy"] not in res.stdout and "Irwin" not in res.stdout  # her flag rests on opted-out data only
        log, people = list_audit(engine, wh)
        assert len(log) == len(before) + 1
        list_id = log[-1][0]
        assert log[-1][1:] == ("D", CASE, REASON, LATEST, 1, 1, "listed")
        assert [p for p in people if p[0] == list_id] == [(list_id, c["hal"])]
        table = invoke(engine, project, wh, "at-risk", "list", "--purpose", "d", "--case-reference", CASE,
                       "--reason", REASON)
        assert table.exit_code == 0 and "RESTRICTED" in table.stdout and "Hurst" in table.stdout
        assert "1 flagged people left out" in table.stdout
    finally:
        removed = invoke(engine, project, wh, "optout", "remove", "troubled_families", "T-IVY",
                         "--reason", "Resident withdrew the request by phone on 4 March")
        assert removed.exit_code == 0, removed.output
    back = invoke(engine, project, wh, "at-risk", "list", "--purpose", "D", "--case-reference", CASE,
                  "--reason", REASON, "--format", "csv")
    assert {r[0] for r in list(csv.reader(back.stdout.splitlines()))[1:]} == {c["hal"], c["ivy"]}


def _has_list_log(engine, wh):
    try:
        list_audit(engine, wh)
        return True
    except Exception:
        return False


def test_list_as_at_a_past_day_uses_the_month_end_on_or_before_it(borough):
    engine, project, wh, c = borough
    res = invoke(engine, project, wh, "at-risk", "list", "--purpose", "D", "--case-reference", CASE,
                 "--reason", REASON, "--as-at", "15/08/2024", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = {r[0]: r[1] for r in list(csv.reader(res.stdout.splitlines()))[1:]}
    assert rows == {c["cat"]: "TF", c["eve"]: "Drugs and spend"}
    assert list_audit(engine, wh)[0][-1][4] == date(2024, 7, 31)
    early = invoke(engine, project, wh, "at-risk", "list", "--purpose", "D", "--case-reference", CASE,
                   "--reason", REASON, "--as-at", "2020-01-01")
    assert early.exit_code == 1 and "31/12/2023" in early.output


@pytest.mark.parametrize("purpose", ["A", "B", "C", None, "E"])
def test_list_for_any_purpose_but_d_is_refused_and_nothing_is_audited(borough, purpose):
    engine, project, wh, _ = borough
    before = list_audit(engine, wh) if _has_list_log(engine, wh) else ([], [])
    args = ["at-risk", "list", "--case-reference", CASE, "--reason", REASON]
    if purpose is not None:
        args += ["--purpose", purpose]
    res = invoke(engine, project, wh, *args)
    assert res.exit_code == 2, res.output
    assert "purpose" in res.output.lower()
    for text in ("Hurst", "Irwin", "C000"):
        assert text not in res.output
    after = list_audit(engine, wh) if _has_list_log(engine, wh) else ([], [])
    assert after == before


@pytest.mark.parametrize("case, reason", [(None, REASON), ("n/a", REASON), (CASE, None), (CASE, "just checking")])
def test_list_without_a_real_case_reference_or_reason_is_refused(borough, case, reason):
    engine, project, wh, _ = borough
    args = ["at-risk", "list", "--purpose", "D"]
    for opt, value in (("--case-reference", case), ("--reason", reason)):
        if value is not None:
            args += [opt, value]
    res = invoke(engine, project, wh, *args)
    assert res.exit_code == 2 and "Hurst" not in res.output
