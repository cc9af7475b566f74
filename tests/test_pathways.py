"""Pathways into temporary accommodation (docs/pathways.md), end to end on DuckDB and
PostgreSQL: CSV files through the loader, a real dbt build and publish, then the marts
(fct_pathways_cohort, fct_pathways_before_ta, rpt_pathways_into_ta) and
`costcalc report pathways`, against figures worked out by hand in tests/pathways_data.py.

The build uses a disclosure threshold of 2 (so rpt_pathways_into_ta suppresses the
single users); the report tests choose theirs in costcalc.yml (the report reads it at
run time).
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.paths import environment
from costcalc.reports import ReportError, connect_published
from costcalc.reports.pathways import PathwaysFilters, pathways
from costcalc.transform import publish as publish_mod
from helpers import postgres as pg
from helpers.engines import Engine
from pathways_data import write_and_load

MARCH = date(2024, 3, 1)
ENT, CMP = "TA entrants", "Comparison"


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, tmp_path_factory):
    """The hand-made borough loaded and built on each engine (threshold 2)."""
    root = tmp_path_factory.mktemp(f"pathways_{request.param}")
    project = root / "project"
    project.mkdir()
    (project / "costcalc.yml").write_text("disclosure:\n  threshold: 2\n", encoding="utf-8")
    wh = root / "wh.duckdb"
    if request.param == "duckdb":
        engine, ctx = Engine("duckdb"), None
    else:
        pg.server_or_skip()
        ctx = pg.fresh_database()
        engine = Engine("postgres", {"COSTCALC_PG_DATABASE": ctx.__enter__()})
    try:
        with environment({"COSTCALC_PROJECT_DIR": str(project)}), engine.selected():
            write_and_load(root, wh)
            result = publish_mod.build_and_publish(wh, target_path=root / "dbt_target")
            assert result.success, result.summary()
            con = engine.open(wh, read_only=True)  # the whole warehouse: identities are not published
            try:
                ids = dict(con.execute(
                    "SELECT r.reference, c.client_id FROM intermediate.int_identity_records r"
                    " JOIN intermediate.int_record_client_ids c ON c.record_key = r.record_key").fetchall())
            finally:
                con.close()
        people = {name: ids[ref] for name, ref in [("ann", "P1"), ("dan", "P2"), ("bob", "P3"), ("cat", "P4"),
                                                  ("zed", "G0"), ("eve", "G5"), ("fay", "G6"), ("gus", "G7"),
                                                  ("hal", "G8")]}
        yield engine, wh, project, people
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)


@pytest.fixture
def con(built):
    engine, wh, project, _ = built
    with environment({"COSTCALC_PROJECT_DIR": str(project)}), engine.selected():
        c = connect_published(wh)
        try:
            yield c
        finally:
            c.close()


def rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def _day(v):
    return v.date() if hasattr(v, "date") and callable(v.date) else v


# ------------------------------------------------------------------ the cohorts

def test_first_placements_windows_and_the_truncated_entrant(con, built):
    p = built[3]
    got = {(lvl, uid, w, grp, _day(ref), bool(complete), float(weight))
           for lvl, uid, w, grp, ref, complete, weight in rows(con, """
        SELECT level, unit_id, window_months, cohort_group, reference_month, is_window_complete, weight
        FROM marts.fct_pathways_cohort WHERE level = 'client' AND cohort_group = 'TA entrants'""")}
    expected = set()
    for w in (12, 24):
        expected |= {("client", p["ann"], w, ENT, MARCH, True, 1.0), ("client", p["dan"], w, ENT, MARCH, True, 1.0),
                     ("client", p["bob"], w, ENT, MARCH, True, 1.0),
                     # Cat's first placement is June 2022: both windows begin before January 2022
                     ("client", p["cat"], w, ENT, date(2022, 6, 1), False, 0.0)}
    assert got == expected
    # her windows are out of every figure
    assert rows(con, "SELECT count(*) FROM marts.fct_pathways_before_ta WHERE unit_id = ?", [p["cat"]]) == [(0,)]
    window = rows(con, """SELECT window_from, window_to FROM marts.fct_pathways_cohort
                          WHERE unit_id = ? AND window_months = 24""", [p["ann"]])
    assert [(_day(a), _day(b)) for a, b in window] == [(date(2022, 3, 1), date(2024, 2, 29))]


def test_the_comparison_is_matched_on_age_band_and_household_type_and_weighted(con, built):
    p = built[3]
    got = {(uid, band, htype, int(n_ent), int(n_cmp), round(float(weight), 9))
           for uid, band, htype, n_ent, n_cmp, weight in rows(con, """
        SELECT unit_id, age_band, household_type, stratum_entrants, stratum_comparison, weight
        FROM marts.fct_pathways_cohort WHERE level = 'client' AND window_months = 12
          AND is_window_complete""")}
    assert got == {
        (p["ann"], "25-34", "With children", 1, 1, 1.0), (p["gus"], "25-34", "With children", 1, 1, 1.0),
        (p["dan"], "0-17", "With children", 1, 1, 1.0), (p["hal"], "0-17", "With children", 1, 1, 1.0),
        (p["bob"], "25-34", "One person", 1, 2, 1.0),
        (p["eve"], "25-34", "One person", 1, 2, 0.5), (p["fay"], "25-34", "One person", 1, 2, 0.5),
    }  # Zed (65-74) is in no entrant's stratum
    households = sorted((g, t, round(float(w), 9)) for g, t, w in rows(con, """
        SELECT cohort_group, household_type, weight FROM marts.fct_pathways_cohort
        WHERE level = 'household' AND window_months = 12 AND is_window_complete"""))
    assert households == [
        (CMP, "One person", 0.333333333), (CMP, "One person", 0.333333333), (CMP, "One person", 0.333333333),
        (CMP, "With children", 1.0), (ENT, "One person", 1.0), (ENT, "With children", 1.0)]


def test_use_and_cost_in_the_window_before_entry(con, built):
    p = built[3]
    got = {(w, uid, stype, round(float(cost), 6)) for w, uid, stype, cost in rows(con, """
        SELECT window_months, unit_id, service_type, cost FROM marts.fct_pathways_before_ta WHERE level = 'client'""")}
    base = {(p["ann"], "Floating Support", 1220.0), (p["dan"], "School Support", 90.0),
            (p["bob"], "Debt Advice", 200.0), (p["gus"], "Meals", 60.0), (p["hal"], "School Support", 30.0),
            (p["eve"], "Floating Support", 290.0)}
    assert got == {(12, *r) for r in base} | {(24, *r) for r in base} | {(24, p["bob"], "Floating Support", 155.0)}


# ------------------------------------------------------------------ the aggregate mart

def _mart(con, level, window):
    out = {}
    for grp, service, stype, people, users, share, mpp, mpu, med, sup in rows(con, """
            SELECT cohort_group, service, service_type, people, users, share_using, mean_cost_per_person,
                   mean_cost_per_user, median_cost_per_user, is_suppressed
            FROM marts.rpt_pathways_into_ta WHERE level = ? AND window_months = ?""", [level, window]):
        r = lambda v: None if v is None else round(float(v), 6)  # noqa: E731
        out[(grp, stype if service != "(all services)" else "(all services)")] = (
            people, users, r(share), r(mpp), r(mpu), r(med), bool(sup))
    return out


def test_the_mart_figures_and_their_suppression(con):
    m = _mart(con, "client", 24)
    # window 24: Bob's January 2023 floating support counts; two entrant users are shown
    assert m[(ENT, "Floating Support")] == (3, 2, round(2 / 3, 6), round(1375 / 3, 6), 687.5, 687.5, False)
    # single users are suppressed (threshold 2): the two of them together cover 2
    assert m[(ENT, "Debt Advice")] == (3, None, None, None, None, None, True)
    assert m[(ENT, "School Support")] == (3, None, None, None, None, None, True)
    assert m[(ENT, "Meals")] == (3, 0, 0.0, 0.0, None, None, False)  # a true 0 is shown
    assert m[(ENT, "(all services)")] == (3, 3, 1.0, 555.0, 555.0, 355.0, False)
    # the comparison, weighted: Gus 60 (1), Hal 30 (1), Eve 290 (1/2), Fay nothing (1/2)
    assert m[(CMP, "(all services)")] == (4, 3, round(2.5 / 3, 6), round(235 / 3, 6), 94.0, 60.0, False)
    assert m[(CMP, "Debt Advice")] == (4, 0, 0.0, 0.0, None, None, False)
    assert all(m[(CMP, t)][6] for t in ("Floating Support", "Meals", "School Support"))
    h = _mart(con, "household", 12)
    # the households placed: Ann + Dan (1,220 + 90) and Bob (200); comparison Gus + Hal (90, weight 1),
    # Eve (290, 1/3), Fay and Zed (nothing, 1/3 each)
    assert h[(ENT, "(all services)")] == (2, 2, 1.0, 755.0, 755.0, 755.0, False)
    assert h[(CMP, "(all services)")] == (4, 2, round((4 / 3) / 2, 6), round((90 + 290 / 3) / 2, 6),
                                          140.0, 90.0, False)


def test_the_mart_has_no_ids(con):
    cols = {c for (c,) in rows(con, """SELECT column_name FROM information_schema.columns
                                       WHERE table_schema = 'marts' AND table_name = 'rpt_pathways_into_ta'""")}
    assert not {c for c in cols if "id" in c.split("_")}
    text = " ".join(str(v) for r in rows(con, "SELECT * FROM marts.rpt_pathways_into_ta") for v in r)
    assert not re.search(r"\b[CH]\d{8}\b", text)


# ------------------------------------------------------------------ the report

def _report(built, threshold, *args):
    engine, wh, project, _ = built
    (project / "costcalc.yml").write_text(f"disclosure:\n  threshold: {threshold}\n", encoding="utf-8")
    with environment({"COSTCALC_PROJECT_DIR": str(project)}), engine.selected():
        return CliRunner().invoke(main, ["--warehouse", str(wh), "report", "pathways", *args])


def _by_type(report_rows):
    return {r["service_type"] or r["service"]: r for r in report_rows}


def test_the_exact_report_agrees_with_the_hand_figures_and_the_mart(built, con):
    res = _report(built, 2, "--exact", "--window", "24", "--format", "json")
    assert res.exit_code == 0, res.output
    assert "NOT FOR PUBLICATION" in res.stderr
    doc = json.loads(res.stdout)
    assert doc["filters"] == {"window": 24, "level": "client"}
    got = _by_type(doc["rows"])
    assert got["Floating Support"]["entrants_users"] == 2
    assert got["Debt Advice"]["entrants_users"] == 1 and got["Debt Advice"]["entrants_mean_per_user"] == 200
    assert got["(all services)"]["entrants_median_per_user"] == pytest.approx(355)
    assert got["(all services)"]["comparison_mean_per_user"] == pytest.approx(94)
    assert got["(all services)"]["comparison_share"] == pytest.approx(2.5 / 3)
    # every figure the mart shows, the report shows the same
    mart = _mart(con, "client", 24)
    for (grp, key), (people, users, share, mpp, mpu, med, sup) in mart.items():
        if sup:
            continue
        prefix = "entrants" if grp == ENT else "comparison"
        r = got[key]
        assert (r[f"{prefix}_people"], r[f"{prefix}_users"]) == (people, users)
        for col, v in (("share", share), ("mean_per_person", mpp), ("mean_per_user", mpu), ("median_per_user", med)):
            assert (r[f"{prefix}_{col}"] is None and v is None) or r[f"{prefix}_{col}"] == pytest.approx(v)


def test_the_report_suppresses_small_numbers_and_small_groups(built):
    res = _report(built, 3, "--level", "household", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    got = _by_type(doc["rows"])
    # two households entered: fewer than 3, so every entrant cell is suppressed, zeros too
    for r in got.values():
        assert {r[k] for k in r if k.startswith("entrants_")} == {"<3"}
    # the comparison (4 households): single users suppressed, the 0 shown
    assert got["Debt Advice"]["comparison_users"] == 0
    assert got["Floating Support"]["comparison_users"] == "<3"
    assert got["(all services)"]["comparison_users"] == "<3"
    table = _report(built, 3, "--level", "household")
    assert table.exit_code == 0 and "<3" in table.stdout and "shown <3" in table.stdout
    assert not re.search(r"\b[CH]\d{8}\b", table.stdout)


def test_the_report_filters_strata_services_and_entry_months(built):
    res = _report(built, 1, "--age-band", "0-17", "--format", "json")
    got = _by_type(json.loads(res.stdout)["rows"])
    # Dan beside Hal
    assert got["(all services)"]["entrants_people"] == 1 and got["(all services)"]["comparison_people"] == 1
    assert got["School Support"]["entrants_mean_per_user"] == 90 and got["School Support"]["comparison_mean_per_user"] == 30
    res = _report(built, 1, "--household-type", "one person", "--service-type", "debt advice", "--format", "json")
    got = _by_type(json.loads(res.stdout)["rows"])
    assert set(got) == {"Debt Advice", "(all services)"}
    assert got["Debt Advice"]["entrants_people"] == 1 and got["Debt Advice"]["comparison_people"] == 2
    # entry months of 2022 only: Cat's, whose window is truncated
    res = _report(built, 1, "--from", "2022-01-01", "--to", "31/12/2022")
    assert res.exit_code == 0, res.output
    assert "1 clients whose first placement is in the period are left out" in res.stdout
    assert "0 clients entered temporary accommodation" in res.stdout


def test_the_report_refuses_what_it_cannot_do(built):
    bad = _report(built, 1, "--window", "36")
    assert bad.exit_code == 2 and "36" in bad.output
    bad = _report(built, 1, "--level", "household", "--age-band", "25-34")
    assert bad.exit_code == 1 and "--level client only" in bad.output
    bad = _report(built, 1, "--household-type", "Mansion'; DROP TABLE marts.dim_client; --")
    assert bad.exit_code == 1 and "Unknown household type" in bad.output
    bad = _report(built, 1, "--from", "2024-05-01", "--to", "2024-01-01")
    assert bad.exit_code == 1 and "after it ends" in bad.output
    ok = _report(built, 1, "--service", "x' OR '1'='1")  # a parameter, not SQL: matches nothing
    assert ok.exit_code == 0, ok.output
    assert "General Service" not in ok.stdout


def test_the_report_in_python_needs_a_known_level(con):
    with pytest.raises(ReportError, match="--level"):
        pathways(con, PathwaysFilters(level="street"))


def test_the_report_statements_translate_to_tsql(con):
    """SQL Server runs the report's statements translated (costcalc.warehouse.engines):
    each one it sends parses as T-SQL, with every value still a parameter."""
    import sqlglot

    from costcalc.warehouse.engines import translate

    sent = []

    class Recording:
        def execute(self, sql, params=None):
            sent.append((sql, list(params or [])))
            return con.execute(sql, params or [])

    hostile = "x') OR 1=1; DROP TABLE marts.dim_client; --"
    pathways(Recording(), PathwaysFilters(window=24, services=(hostile,), age_bands=("25-34",),
                                          household_types=("One person",)))
    assert len(sent) >= 4
    for sql, params in sent:
        text, bound = translate(sql, "tsql", params)
        assert [t for t in sqlglot.parse(text, read="tsql") if t is not None], text
        assert hostile not in text and "DROP TABLE" not in text


def test_the_report_refuses_filters_that_would_break_the_matching(con):
    """A client-pool filter (--with, --min-age, ...) would drop comparison people without
    reweighting their strata: the pathways report refuses it rather than ignore it."""
    with pytest.raises(ReportError, match="does not take with_memberships"):
        pathways(con, PathwaysFilters(with_memberships=("Troubled Families",)))
    with pytest.raises(ReportError, match="min_age"):
        pathways(con, PathwaysFilters(min_age=18))
