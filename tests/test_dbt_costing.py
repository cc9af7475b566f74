"""Costing rules (docs/contract.md §3), duplicates across extracts (§2)
and the marts' guarantees, on one real dbt build of a real DuckDB file.

Each scenario is its own person, so each client's monthly costs can be
checked exactly against the rule in plain arithmetic.
"""

from __future__ import annotations

import shutil

import pytest

from helpers.disclosure_checks import check_rpt_marts_suppress_small_numbers
from dbt_warehouse_helpers import RawWarehouse, d, person, unit_test_names


def gs(surname, extref, start, end, cost, freq, desc="Support", **kw):
    return person(surname, "Test", "1980-01-01", "AA1 1AA", extref=extref, startdate=d(start),
                  enddate=d(end) if end else None, cost=cost, costfrequency=freq, servicedesc=desc, **kw)


def ta(surname, start, end, cost, dob="1975-06-15", postcode="TA1 1AA", proptype="Hostel"):
    return person(surname, "Test", dob, postcode, startdate=d(start), enddate=d(end) if end else None,
                  cost=cost, proptype=proptype)


def rb01(ref, surname, snapshot, weekly, hb_start=None):
    return {"housing_benefit_claim_reference_number": ref, "claimants_surname": surname,
            "claimants_first_forename": "Test", "claimants_date_of_birth": d("1960-03-03"),
            "claimants_postcode": "RB1 1AA", "snapshot_date": d(snapshot),
            "hb_claim_entitlement_start_date": d(hb_start) if hb_start else None,
            "weekly_housing_benefit_entitlement": weekly}


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = RawWarehouse(tmp_path_factory.mktemp("costing") / "costcalc.duckdb")
    # Temporary accommodation: two extracts; the later one fills in an end date and a new cost.
    w.load("H01A", "ta_march.csv", [
        ta("Leap", "2024-02-01", "2024-02-29", 70),           # weekly, first and last day of a leap February
        ta("Ongoing", "2024-03-25", None, 70),                 # no end: runs to the latest TA extract date
        ta("Filled", "2024-01-01", None, 70),                  # ongoing here, ended in the later extract
    ], extract_date=d("2024-03-31"))
    w.load("H01A", "ta_april.csv", [
        ta("Filled", "2024-01-01", "2024-01-10", 77),
        ta("O'Neill-Smith", "2024-04-01", "2024-04-01", 7, dob="1990-01-01", postcode="ta2 2bb"),
    ], extract_date=d("2024-04-10"))
    w.load("GS00", "gs.csv", [
        gs("Daily", "D1", "2023-12-31", "2024-01-01", 10, "Daily"),
        gs("Fortnightly", "F1", "2023-02-01", "2023-02-28", 140, "Fortnightly"),
        gs("Fourweekly", "W4", "2024-03-01", "2024-03-31", 280, "4 Weekly"),
        gs("Monthly", "M1", "2024-01-01", "2024-12-31", 365, "Monthly"),
        gs("Annual", "A1", "2023-01-01", "2023-12-31", 3650, "Annual"),
        gs("Oneoff", "O1", "2024-05-31", "2024-07-15", 99, "One-off"),
        gs("Oneoff", "O2", "2024-08-01", None, 1, "One-off", desc="Deposit"),
        # once per financial year (1 April - 31 March), on the first day in each
        gs("Intermittent", "I1", "2023-02-10", "2025-04-05", 500, "Intermittent (per Financial Year)"),
        gs("Fyongoing", "I2", "2024-03-01", None, 300, "Intermittent (per Financial Year)"),  # to 2024-06-30
        # the same record twice in one file: the later row wins
        gs("Samefile", "S1", "2024-06-01", "2024-06-30", 1, "Daily"),
        gs("Samefile", "S1", "2024-06-01", "2024-06-30", 2, "Daily"),
        # blank extref: keyed by surname, dob and postcode instead
        gs("Noref", None, "2024-06-01", "2024-06-02", 5, "Daily"),
        gs("Noref", None, "2024-06-01", "2024-06-02", 6, "Daily"),
    ], extract_date=d("2024-06-30"))
    w.load("RB01", "rb_jan.csv", [rb01("HB1", "Claimant", "2024-01-31", 70, hb_start="2024-01-10"),
                                  rb01("HB2", "Nostart", "2024-01-31", 14)])
    w.load("RB01", "rb_feb.csv", [rb01("HB1", "Claimant", "2024-02-29", 140, hb_start="2024-01-10"),
                                  rb01("HB2", "Nostart", "2024-02-29", 14)])
    w.load("ASC01", "asc.csv", [
        person("Care", "Test", "1940-01-01", "AS1 1AA", start=d("2024-01-01"), pricestart=d("2024-01-15"),
               priceend=d("2024-01-20"), cost=10, frequency="Daily", servicetype="Home care",
               carepackagelineitemid="L1", primarysupportreasoncategory="Physical support"),
        # another person (born a year later): with Care's first name, date of birth and postcode
        # the similar surnames would rightly make one person of the two (docs/matching.md)
        person("Careongoing", "Test", "1941-01-01", "AS1 1AA", start=d("2024-05-30"), cost=70,
               frequency="Weekly", servicetype="Residential", carepackagelineitemid="L2"),
    ], extract_date=d("2024-06-02"))
    w.load("TF01", "tf.csv", [{"individualid": "I1", "lastname": "Leap", "firstname": "Test",
                               "dob": d("1975-06-15"), "postcode": "TA1 1AA"}])
    w.load("RB03", "rb03.csv", [{"nino": "AB123456C", "lastname": "Daily", "firstname": "Test",
                                 "dob": d("1980-01-01"), "postcode": "AA1 1AA"}])
    w.build()
    return w


def monthly(wh, surname, service_type=None):
    """{month: cost} of the client whose restricted identity has this surname."""
    sql = """select m.month, sum(m.cost) from marts.fct_cost_monthly m
             join restricted.client_identity c using (client_id)
             where c.surname = ? and (? is null or m.service_type = ?) group by m.month order by m.month"""
    return {str(month): cost for month, cost in wh.query(sql, [surname, service_type, service_type])}


def use(wh, surname, service_type=None):
    sql = """select s.start_date, s.end_date, s.is_ongoing, s.unit_cost, s.cost_per_day, s.one_off_cost, s.frequency
             from marts.fct_service_use s join restricted.client_identity c using (client_id)
             where c.surname = ? and (? is null or s.service_type = ?)"""
    rows = wh.query(sql, [surname, service_type, service_type])
    assert len(rows) == 1, rows
    return rows[0]


def test_weekly_first_and_last_day_of_a_leap_february(wh):
    assert monthly(wh, "Leap") == pytest.approx({"2024-02-01": 290.0})


def test_daily_includes_both_ends_across_a_year_end(wh):
    assert monthly(wh, "Daily") == pytest.approx({"2023-12-01": 10.0, "2024-01-01": 10.0})


def test_fortnightly_and_four_weekly(wh):
    assert monthly(wh, "Fortnightly") == pytest.approx({"2023-02-01": 280.0})  # 28 days x 140/14
    assert monthly(wh, "Fourweekly") == pytest.approx({"2024-03-01": 310.0})  # 31 days x 280/28


def test_monthly_over_a_leap_year_uses_365_day_years(wh):
    costs = monthly(wh, "Monthly")
    assert len(costs) == 12
    assert costs["2024-01-01"] == pytest.approx(372.0)   # 31 x 365 x 12 / 365
    assert costs["2024-02-01"] == pytest.approx(348.0)   # 29 x 12
    assert sum(costs.values()) == pytest.approx(4392.0)  # 366 days x 12


def test_annual(wh):
    costs = monthly(wh, "Annual")
    assert costs["2023-02-01"] == pytest.approx(280.0)
    assert sum(costs.values()) == pytest.approx(3650.0)


def test_one_off_is_charged_once_in_the_month_of_its_start_day(wh):
    assert monthly(wh, "Oneoff", "Support") == pytest.approx({"2024-05-01": 99.0})
    start, end, ongoing, _, per_day, one_off, freq = use(wh, "Oneoff", "Support")
    assert (freq, per_day, one_off) == ("One-off", None, pytest.approx(99.0))
    # a one-off without an end date ends on its start day and is not ongoing
    assert use(wh, "Oneoff", "Deposit")[1:3] == (d("2024-08-01"), False)


def test_intermittent_is_charged_once_per_financial_year_it_overlaps(wh):
    # first days in each financial year: 10 Feb 2023 (FY 2022/23), then 1 April of 2023, 2024, 2025
    assert monthly(wh, "Intermittent") == pytest.approx(
        {"2023-02-01": 500.0, "2023-04-01": 500.0, "2024-04-01": 500.0, "2025-04-01": 500.0})
    start, end, ongoing, unit, per_day, one_off, freq = use(wh, "Intermittent")
    assert (freq, per_day, one_off) == ("Intermittent (per Financial Year)", None, None)
    per_fy = wh.scalar("""select s.cost_per_financial_year from marts.fct_service_use s
                          join restricted.client_identity c using (client_id) where c.surname = 'Intermittent'""")
    assert per_fy == pytest.approx(500.0)
    # ongoing to the GS00 extract date (2024-06-30), so it reaches FY 2024/25
    assert use(wh, "Fyongoing")[1:3] == (d("2024-06-30"), True)
    assert monthly(wh, "Fyongoing") == pytest.approx({"2024-03-01": 300.0, "2024-04-01": 300.0})


def test_date_range_costs_from_fct_service_use(wh):
    """Reports cost any date range from cost_per_day / one_off_cost with the same rules."""
    sql = """select sum(case when s.one_off_cost is not null
                             then case when s.start_date between cast(? as date) and cast(? as date)
                                       then s.one_off_cost else 0 end
                             else s.cost_per_day * greatest(0, date_diff('day', greatest(s.start_date, cast(? as date)),
                                                                         least(s.end_date, cast(? as date))) + 1) end)
             from marts.fct_service_use s join restricted.client_identity c using (client_id) where c.surname = ?"""

    def cost(surname, a, b):
        return wh.scalar(sql, [a, b, a, b, surname])

    assert cost("Leap", "2024-02-10", "2024-02-20") == pytest.approx(110.0)
    assert cost("Oneoff", "2024-06-01", "2024-06-30") == pytest.approx(0.0)   # one-off outside the period
    assert cost("Oneoff", "2024-05-31", "2024-05-31") == pytest.approx(99.0)  # start day is the period
    assert cost("Monthly", "2024-01-01", "2024-12-31") == pytest.approx(4392.0)


def test_ongoing_records_run_to_the_latest_extract_date_of_their_file_type(wh):
    start, end, ongoing, *_ = use(wh, "Ongoing")
    assert (start, end, ongoing) == (d("2024-03-25"), d("2024-04-10"), True)  # newest TA file, not its own
    assert monthly(wh, "Ongoing") == pytest.approx({"2024-03-01": 70.0, "2024-04-01": 100.0})
    # ASC: both ends missing means ongoing, to the ASC extract date
    assert use(wh, "Careongoing")[:3] == (d("2024-05-30"), d("2024-06-02"), True)
    assert monthly(wh, "Careongoing") == pytest.approx({"2024-05-01": 20.0, "2024-06-01": 20.0})


def test_asc_runs_from_later_start_to_earlier_end(wh):
    assert use(wh, "Care")[:2] == (d("2024-01-15"), d("2024-01-20"))
    assert monthly(wh, "Care") == pytest.approx({"2024-01-01": 60.0})
    assert wh.scalar("select need from marts.fct_service_use where service = 'Adult Social Care' "
                     "and service_type = 'Home Care' and service_type_raw = 'Home care'") == "Physical support"


def test_later_extract_wins_and_fills_in_the_end_date(wh):
    start, end, ongoing, unit, *_ = use(wh, "Filled")
    assert (start, end, ongoing, float(unit)) == (d("2024-01-01"), d("2024-01-10"), False, 77.0)
    assert monthly(wh, "Filled") == pytest.approx({"2024-01-01": 110.0})  # 10 days x 77/7
    # both raw rows stay linked to the one client
    assert wh.scalar("""select count(distinct client_id) || '/' || count(*) from marts.client_record_links
                        where source_file in ('ta_march.csv', 'ta_april.csv') and schema_code = 'H01A'
                        and client_id = (select client_id from restricted.client_identity where surname = 'Filled')""") == "1/2"


def test_within_a_file_the_later_row_wins_and_blank_extref_falls_back_to_the_person(wh):
    assert monthly(wh, "Samefile") == pytest.approx({"2024-06-01": 60.0})  # 30 days x 2
    assert monthly(wh, "Noref") == pytest.approx({"2024-06-01": 12.0})     # 2 days x 6


def test_rb01_claim_runs_from_entitlement_start_to_latest_snapshot(wh):
    assert use(wh, "Claimant")[:4] == (d("2024-01-10"), d("2024-02-29"), False, 140)
    assert monthly(wh, "Claimant") == pytest.approx({"2024-01-01": 440.0, "2024-02-01": 580.0})
    assert use(wh, "Nostart")[:2] == (d("2024-01-31"), d("2024-02-29"))  # no start: earliest snapshot


def test_names_and_postcodes_are_normalised_for_matching(wh):
    assert wh.query("""select surname_norm, postcode_norm from intermediate.int_identity_records
                       where surname = 'O''Neill-Smith'""") == [("ONEILLSMITH", "TA22BB")]


def test_dim_client_flags_and_membership(wh):
    rows = dict(wh.query("""select c.surname, d.ever_temporary_accommodation::int || d.in_troubled_families::int
                                   || d.housing_benefit_switch::int
                            from marts.dim_client d join restricted.client_identity c using (client_id)"""))
    assert rows["Leap"] == "110" and rows["Daily"] == "001" and rows["Monthly"] == "000"
    memberships = wh.query("""select m.membership from marts.fct_client_membership m
                              join restricted.client_identity c using (client_id) where c.surname = 'Leap'
                              order by 1""")
    assert memberships == [("Temporary Accommodation",), ("Troubled Families",)]


def test_every_raw_row_is_linked_and_the_dbt_test_can_fail(wh, tmp_path):
    raw_rows = sum(wh.scalar(f"select count(*) from raw.{t}") for t in
                   ("h01a", "asc01", "rb01", "rb03", "tf01", "gs00"))
    assert wh.scalar("select count(*) from marts.client_record_links") == raw_rows
    assert wh.scalar("select count(*) from marts.client_record_links where source_row < 2") == 0
    # break a copy: drop a link and add a personal column to a mart; both dbt tests must fail
    copy = RawWarehouse.__new__(RawWarehouse)
    copy.path, copy.target = tmp_path / "broken.duckdb", tmp_path / "dbt_target"
    shutil.copy(wh.path, copy.path)
    import duckdb
    with duckdb.connect(str(copy.path)) as con:
        con.execute("delete from marts.client_record_links where source_file = 'tf.csv'")
        con.execute("alter table marts.dim_client add column postcode varchar")
    result = copy.dbt("test", "--select", "every_raw_row_linked", "marts_have_no_personal_columns")
    assert not result.success
    assert result.counts["fail"] == 2, result.summary()


def test_marts_hold_no_personal_columns(wh):
    from costcalc.schemas import load_schemas
    personal = {c.name for s in load_schemas().values() for c in s.columns if c.personal}
    personal |= {"surname", "firstname", "dob", "postcode", "address", "nhs_number", "ni_number", "reference",
                 "record_key", "cluster_key"}
    cols = wh.query("select table_name, column_name from information_schema.columns where table_schema = 'marts'")
    assert {t for t, _ in cols} >= {"client_record_links", "fct_cost_monthly", "fct_service_use", "dim_client",
                                     "fct_client_membership", "rpt_spend_by_client", "rpt_spend_by_service",
                                     "rpt_client_breakdown", "rpt_ta_vs_population"}
    assert [(t, c) for t, c in cols if c.lower() in personal] == []
    # ...while the restricted schema has them
    assert wh.scalar("select count(*) from restricted.client_identity where surname = 'Leap'") == 1


RPT_AGGREGATES = "rpt_spend_by_service rpt_client_breakdown rpt_ta_vs_population"


def test_reports_add_up(wh):
    """With suppression off (the dbt var disclosure_threshold 0, as costcalc.yml's
    disclosure.threshold: 0 would pass), the aggregate marts add up to the facts; with the
    default threshold, this handful of clients is suppressed throughout (docs/disclosure.md)."""
    total = wh.scalar("select sum(cost) from marts.fct_cost_monthly")
    assert wh.scalar("select sum(total_cost) from marts.rpt_spend_by_client") == pytest.approx(total)
    assert wh.scalar("select min(spend_rank) from marts.rpt_spend_by_client") == 1
    n_clients = wh.scalar("select count(*) from marts.dim_client")
    hidden = check_rpt_marts_suppress_small_numbers(wh.query)
    # a handful of clients: every service row has fewer than 10, so all are suppressed
    assert hidden["rpt_spend_by_service"] == hidden["rpt_ta_vs_population"] == hidden["services"] > 0
    assert wh.scalar("select count(*) from marts.rpt_spend_by_service where total_cost is not null") == 0
    try:
        result = wh.dbt("run", "--select", *RPT_AGGREGATES.split(), "--vars", "{disclosure_threshold: 0}")
        assert result.success, result.summary()
        assert wh.scalar("select sum(total_cost) from marts.rpt_spend_by_service") == pytest.approx(total)
        assert wh.scalar("select count(*) from marts.rpt_ta_vs_population where is_suppressed") == 0
        ta_rows = wh.query("""select client_group, clients_in_group, users, share_using, median_cost_per_user
                              from marts.rpt_ta_vs_population where service = 'Temporary Accommodation'
                              and service_type = 'Hostel' order by client_group""")
        n_ta = wh.scalar("select count(*) from marts.dim_client where ever_temporary_accommodation")
        assert ta_rows[0][:3] == ("All other clients", n_clients - n_ta, 0)
        assert ta_rows[1][:4] == ("Ever in temporary accommodation", n_ta, n_ta, 1.0)
    finally:
        wh.run(RPT_AGGREGATES)
    assert check_rpt_marts_suppress_small_numbers(wh.query) == hidden


def _marts_yml_changed(tmp_path, monkeypatch, old: str, new: str) -> None:
    """The project as costcalc assembles it, with ``old`` (found exactly once) replaced by
    ``new`` in a copy of models/marts/_marts.yml (costcalc.transform.registry.assemble_project
    copies the models from MODELS_DIR)."""
    from costcalc.paths import MODELS_DIR
    from costcalc.transform import registry as registry_mod

    root = tmp_path / "project"
    shutil.copytree(MODELS_DIR, root / "models")
    marts = root / "models" / "marts" / "_marts.yml"
    text = marts.read_text(encoding="utf-8")
    assert text.count(old) == 1
    marts.write_text(text.replace(old, new), encoding="utf-8")
    monkeypatch.setattr(registry_mod, "MODELS_DIR", root / "models")


def test_dbt_unit_tests_of_the_costing_rules_pass_and_a_broken_one_fails(wh, tmp_path, monkeypatch):
    """The dbt unit tests (models/*/_*.yml `unit_tests:`) run in the fixture's plain `dbt
    build` (it passed, so they did); here they run on their own, then with one expectation
    broken in a copy of the project, which must fail."""

    names = unit_test_names()
    assert {"fct_cost_monthly_costs_every_per_day_frequency",
            "fct_cost_monthly_one_off_and_intermittent_days",
            "int_service_use_ongoing_ends_at_latest_extract",
            "fct_service_use_service_type_labels"} <= set(names)
    ok = wh.dbt("test", "--select", "test_type:unit")
    assert ok.success and ok.counts == {"pass": len(names)}, ok.summary()

    wrong = "service_type: Intermittent, month: 2025-04-01, cost: 500}"
    _marts_yml_changed(tmp_path, monkeypatch, wrong, wrong.replace("cost: 500", "cost: 501"))
    broken = wh.dbt("test", "--select", "test_type:unit")
    assert not broken.success
    assert broken.counts["fail"] == 1 and broken.counts["pass"] == len(names) - 1, broken.summary()
    assert any("intermittent" in f for f in broken.failures), broken.failures


def test_the_public_marts_have_enforced_contracts_that_catch_a_changed_type(wh, tmp_path, monkeypatch):
    """Every public mart declares each column's type (models/marts/_marts.yml, the
    contract_types var) and dbt checks them while building; declare `cost` a text
    column in a copy of the project and fct_cost_monthly no longer builds."""
    import yaml
    from costcalc.paths import MODELS_DIR

    marts = yaml.safe_load((MODELS_DIR / "marts" / "_marts.yml").read_text(encoding="utf-8"))["models"]
    public = {"client_record_links", "fct_cost_monthly", "fct_service_use", "dim_client", "fct_client_membership",
              "rpt_spend_by_client", "rpt_spend_by_service", "rpt_client_breakdown", "rpt_ta_vs_population",
              "dim_supplier"}
    assert {m["name"] for m in marts} == public
    for m in marts:
        assert m["config"]["contract"]["enforced"], m["name"]
        assert all(c.get("data_type") for c in m["columns"]), m["name"]
        # every column of the built table is declared, in the table's order
        built = [c for (c,) in wh.query("select column_name from information_schema.columns where table_schema = 'marts'"
                                        " and table_name = ? order by ordinal_position", [m["name"]])]
        assert built == [c["name"] for c in m["columns"]], m["name"]

    cost = ("      - name: cost\n        description: Cost in the month in pounds, by the costing rules of "
            "docs/contract.md §3; unrounded.\n        data_type: *double\n")
    _marts_yml_changed(tmp_path, monkeypatch, cost, cost.replace("*double", "*text"))
    broken = wh.dbt("run", "--select", "fct_cost_monthly")
    assert not broken.success
    # (the message stops at its first line: the contract's table of columns follows it in dbt's log)
    assert [f.split(":")[0] for f in broken.failures] == ["fct_cost_monthly"], broken.summary()
    assert "Compilation Error" in broken.failures[0]
