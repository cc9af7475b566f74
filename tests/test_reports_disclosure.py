"""Disclosure control on the aggregate reports (docs/disclosure.md), on a real DuckDB file:
small numbers suppressed by default, secondary suppression where a total would reveal a
suppressed cell, --exact logged, individual-level reports labelled."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from costcalc import reports
from costcalc.cli import main
from costcalc.lookup import default_user
from costcalc.reports import disclosure
from costcalc.reports.disclosure import Counted, Line, Rule
from costcalc.settings import SettingsError, load_settings
from reports_marts_helper import build_marts

DAY = date(2024, 1, 10)


def _use(i: int, client: int, service: str, service_type: str, per_day: float) -> tuple:
    return (i, f"C{client:08d}", "GS00", "general_service", service, service_type, None,
            DAY, DAY, False, "Daily", per_day, per_day, None)


def _clients(ids, ta: set[int] = frozenset()) -> list[tuple]:
    return [(f"C{c:08d}", 40, "35-44", c in ta, False, False, 1, DAY, DAY, 1) for c in ids]


def _marts(tmp_path, groups: dict[tuple[str, str], tuple[range, float]], ta: set[int] = frozenset(),
           name: str = "wh.duckdb"):
    """One record per client per service type (cost ``per_day`` for one day)."""
    rows, i = [], 0
    for (service, stype), (clients, per_day) in groups.items():
        for c in clients:
            i += 1
            rows.append(_use(i, c, service, stype, per_day))
    ids = sorted({int(r[1][1:]) for r in rows} | set(ta))
    membership = [(f"C{c:08d}", "General Service", "GS00") for c in ids]
    return build_marts(tmp_path / name, service_use=rows, dim_client=_clients(ids, ta), membership=membership)


# Naive suppression would leak here: Equipment has 3 clients; the printed total minus
# the two visible rows would be Equipment's cost.
LEAKY = {
    ("Housing Benefit", "Entitlement"): (range(1, 31), 10.0),     # 30 clients
    ("Adult Social Care", "Home Care"): (range(1, 13), 20.0),     # 12
    ("Adult Social Care", "Equipment"): (range(31, 34), 300.0),   # 3
}


@pytest.fixture()
def leaky(tmp_path):
    con = reports.connect(_marts(tmp_path, LEAKY))
    yield con
    con.close()


def _by_type(rep) -> dict[str, int]:
    return {r["service_type"]: i for i, r in enumerate(rep.rows)}


def test_a_lone_small_cell_takes_the_next_smallest_with_it(leaky):
    rep = reports.services(leaky)
    exact = reports.services(leaky, exact=True)
    pos = _by_type(rep)
    hidden = {t for t, i in pos.items() if rep.is_suppressed(i, "clients")}
    assert hidden == {"Equipment", "Home Care"}
    # every figure of a suppressed row is gone, never 0
    for t in hidden:
        row = rep.rows[pos[t]]
        assert all(row[c] is None for c in ("clients", "records", "days", "cost", "mean_per_client", "share_of_cost"))
        assert all(rep.is_suppressed(pos[t], c) for c in ("cost", "mean_per_client", "share_of_cost"))
    hb = rep.rows[pos["Entitlement"]]
    assert (hb["clients"], hb["cost"]) == (30, pytest.approx(300))
    # the printed total is the true total: total minus visible is two rows, not Equipment's cost
    assert rep.totals["cost"] == pytest.approx(300 + 240 + 900)
    residual = rep.totals["cost"] - sum(r["cost"] for r in rep.rows if r["cost"] is not None)
    equipment = exact.rows[_by_type(exact)["Equipment"]]["cost"]
    assert residual == pytest.approx(240 + 900) and residual != pytest.approx(equipment)
    table = reports.format_table(rep)
    assert "<10" in table and "£1,440.00" in table and "£900.00" not in table and "£240.00" not in table


def test_naive_suppression_would_have_leaked(leaky):
    """The same frame with primary suppression only: total minus visible = Equipment."""
    exact = reports.services(leaky, exact=True)
    naive = disclosure.primary(exact.frame, disclosure.SERVICES.counted, 10)
    visible = sum(r["cost"] for i, r in enumerate(exact.rows) if (i, "clients") not in naive)
    total = sum(r["cost"] for r in exact.rows)
    assert total - visible == pytest.approx(900)  # Equipment's 3 clients, revealed
    full = disclosure.suppressed_cells(exact.frame, disclosure.SERVICES, 10)
    visible = sum(r["cost"] for i, r in enumerate(exact.rows) if (i, "cost") not in full)
    assert total - visible != pytest.approx(900)


def test_two_small_cells_are_not_enough_under_the_threshold_together(tmp_path):
    groups = dict(LEAKY)
    groups[("General Service", "Visits")] = (range(40, 42), 50.0)  # 2 clients: 3 + 2 < 10
    con = reports.connect(_marts(tmp_path, groups))
    try:
        rep = reports.services(con)
        pos = _by_type(rep)
        hidden = {t for t, i in pos.items() if rep.is_suppressed(i, "clients")}
        assert hidden == {"Equipment", "Visits", "Home Care"}
    finally:
        con.close()


def test_a_total_over_too_few_people_is_suppressed_too(tmp_path):
    con = reports.connect(_marts(tmp_path, {("A", "x"): (range(1, 4), 5.0), ("A", "y"): (range(4, 6), 5.0)}))
    try:
        rep = reports.services(con)
        assert rep.totals == {"days": None, "cost": None}
        table = reports.format_table(rep)
        total_line = [line for line in table.splitlines() if line.startswith("Total")][0]
        assert "<10" in total_line and "£" not in total_line
    finally:
        con.close()


# The TA comparison is a two-way table: service rows x the two groups. A group's rows add
# up to its "(all services)" row; a row's two groups add up to `report services`.
TA = set(range(1, 13))                               # clients 1-12 ever in TA
TWO_WAY = {
    ("Housing Benefit", "Entitlement"): (list(range(1, 12)) + list(range(13, 33)), 10.0),   # 11 TA, 20 others
    ("Adult Social Care", "Equipment"): ([12] + list(range(13, 26)), 100.0),               # 1 TA, 13 others
}


def test_ta_comparison_suppresses_across_both_dimensions(tmp_path):
    con = reports.connect(_marts(tmp_path, TWO_WAY, ta=TA))
    try:
        rep = reports.ta_comparison(con)
        services = reports.services(con)
        exact = reports.ta_comparison(con, exact=True)
    finally:
        con.close()
    rows = {r["service_type"]: i for i, r in enumerate(rep.rows)}
    eq, hb, total = rows["Equipment"], rows["Entitlement"], rows[reports.ALL_SERVICES]
    assert exact.rows[eq]["ta_users"] == 1 and exact.rows[eq]["other_users"] == 13
    # naive: Equipment's 13 other users shown, and `report services` shows its 14 clients: 14 - 13 = 1
    svc = {r["service_type"]: r for r in services.rows}
    assert svc["Equipment"]["clients"] == 14
    assert rep.is_suppressed(eq, "ta_users") and rep.is_suppressed(eq, "other_users")
    # the TA column adds up to its "(all services)" row: one hidden cell there would be revealed
    assert rep.is_suppressed(hb, "ta_users")
    assert rep.is_suppressed(hb, "other_users")
    for col in ("ta_mean", "ta_median", "ta_share", "other_mean", "other_median", "other_share"):
        assert rep.rows[eq][col] is None and rep.rows[hb][col] is None
    # the totals row itself covers 12 and 20 people: shown
    assert (rep.rows[total]["ta_users"], rep.rows[total]["other_users"]) == (12, 20)
    assert rep.rows[total]["ta_mean"] == pytest.approx(exact.rows[total]["ta_mean"])
    assert (rep.rows[total]["ta_clients"], rep.rows[total]["other_clients"]) == (12, 20)
    assert "12 clients ever in temporary accommodation and 20 other clients" in rep.notes[0]


def test_ta_comparison_group_sizes_under_the_threshold_are_suppressed(tmp_path):
    con = reports.connect(build_marts(tmp_path / "small.duckdb"))
    try:
        rep = reports.ta_comparison(con)
    finally:
        con.close()
    assert all(r["ta_clients"] is None and r["other_clients"] is None for r in rep.rows)
    assert rep.notes[0].startswith("<10 clients ever in temporary accommodation and <10 other clients")
    assert "2 clients" not in " ".join(rep.notes)
    # every cell of a group that small, a 0 too
    care = [r for r in rep.rows if r["service_type"] == "Home Care"][0]
    assert care["ta_users"] is None and care["other_users"] is None


def test_a_true_zero_is_shown_not_suppressed(tmp_path):
    """No client outside TA uses a TA service: that 0 says nothing about anyone, and
    hiding it would protect nobody (docs/disclosure.md, "Zeros")."""
    groups = {("Temporary Accommodation", "Hostel"): (range(1, 13), 30.0),
              ("Housing Benefit", "Entitlement"): (range(1, 41), 10.0)}
    con = reports.connect(_marts(tmp_path, groups, ta=TA))
    try:
        rep = reports.ta_comparison(con)
    finally:
        con.close()
    hostel = {r["service_type"]: i for i, r in enumerate(rep.rows)}["Hostel"]
    row = rep.rows[hostel]
    assert (row["ta_users"], row["other_users"], row["other_share"]) == (12, 0, 0.0)
    assert row["other_mean"] is None and not rep.is_suppressed(hostel, "other_users")
    assert rep.suppressed == frozenset()
    line = [x for x in reports.format_table(rep).splitlines() if x.startswith("Temporary Accommodation")][0]
    assert " 0 " in line and "<10" not in line


@pytest.mark.parametrize("counts,expected", [
    ([50, 30, 3], {1, 2}),              # one small cell: the next smallest goes too
    ([50, 40, 3, 2], {1, 2, 3}),        # two small cells covering 5 people: one more
    ([50, 40, 30], set()),              # nothing small
    ([5, 4], {0, 1}),                   # everything small
    ([50, 30, 3, 0], {1, 2}),           # a true 0 is shown, and hiding it would add nobody
    ([12, 3, 20, 3, 11], {1, 3, 4}),    # 3 + 3 < 10: the smallest visible (11) goes too
])
def test_secondary_suppression_on_one_column(counts, expected):
    frame = pd.DataFrame({"n": counts})
    rule = Rule(counted=(Counted("n"),), lines=lambda f, t: [Line(tuple((i, "n") for i in range(len(f))))])
    hidden = {i for i, _ in disclosure.suppressed_cells(frame, rule, 10)}
    assert hidden == expected
    if hidden and len(hidden) < len(counts):
        assert len(hidden) >= 2 and sum(counts[i] for i in hidden) >= 10


def test_a_report_split_by_period_protects_each_period_too():
    """Each period's rows add up to that period's total (the same report for that period
    alone prints it): a lone small cell in one period takes another of that period."""
    frame = pd.DataFrame({"period_from": [date(2024, 1, 1)] * 3 + [date(2024, 2, 1)] * 3,
                          "clients": [50, 30, 3, 40, 20, 15], "cost": [1.0] * 6})
    hidden = {i for i, c in disclosure.suppressed_cells(frame, disclosure.SERVICES, 10) if c == "clients"}
    assert hidden == {1, 2}   # January: 3 and the next smallest, 30; February stays (whole: 2 cells, 33)


def test_a_line_whose_total_is_not_shown_needs_no_secondary_suppression():
    frame = pd.DataFrame({"n": [50, 30, 3]})
    rule = Rule(counted=(Counted("n"),), lines=lambda f, t: [Line(tuple((i, "n") for i in range(3)), total=False)])
    assert disclosure.suppressed_cells(frame, rule, 10) == {(2, "n")}


# ----------------------------------------------------------------- the setting


def _project(tmp_path, text: str):
    d = tmp_path / "project"
    d.mkdir(exist_ok=True)
    (d / "costcalc.yml").write_text(text, encoding="utf-8")
    return d


def test_the_threshold_comes_from_costcalc_yml(leaky, tmp_path, monkeypatch):
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(_project(tmp_path, "disclosure:\n  threshold: 3\n")))
    rep = reports.services(leaky)
    assert rep.threshold == 3 and rep.suppressed == frozenset()   # Equipment's 3 clients are not fewer than 3
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(_project(tmp_path, "disclosure:\n  threshold: 31\n")))
    rep = reports.services(leaky)
    assert all(rep.is_suppressed(i, "cost") for i in range(3)) and rep.totals["cost"] is None
    assert "<31" in reports.format_table(rep)
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(_project(tmp_path, "disclosure:\n  threshold: 0\n")))
    rep = reports.services(leaky)
    assert rep.suppressed == frozenset() and "not suppressed" in rep.disclosure


@pytest.mark.parametrize("value", ["-1", "ten", "true", "2.5"])
def test_a_bad_threshold_is_refused_naming_the_setting(tmp_path, value):
    path = _project(tmp_path, f"disclosure:\n  threshold: {value}\n") / "costcalc.yml"
    with pytest.raises(SettingsError, match="disclosure.threshold"):
        load_settings(path)
    with pytest.raises(SettingsError, match="unknown setting 'thresold'"):
        load_settings(_project(tmp_path, "disclosure:\n  thresold: 5\n") / "costcalc.yml")


def test_costcalc_build_passes_the_threshold_to_dbt(tmp_path, monkeypatch):
    """The marts read the dbt var disclosure_threshold: costcalc passes the project's
    setting; a caller's own --vars are merged over it, never passed twice."""
    from costcalc.transform.build import _split_vars, dbt_project_args

    def passed_vars(args):
        return json.loads(args[args.index("--vars") + 1])

    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(_project(tmp_path, "disclosure:\n  threshold: 4\n")))
    assert passed_vars(dbt_project_args()) == {"disclosure_threshold": 4, "match_first_name_conflict": True}
    rest, given = _split_vars(["run", "--vars", "{disclosure_threshold: 0, match_max_rounds: 3}", "--select", "x"])
    assert rest == ["run", "--select", "x"] and given == {"disclosure_threshold": 0, "match_max_rounds": 3}
    args = dbt_project_args(None, given)
    assert args.count("--vars") == 1 and passed_vars(args) == {"disclosure_threshold": 0, "match_max_rounds": 3,
                                                                 "match_first_name_conflict": True}
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(_project(tmp_path, "disclosure:\n  threshold: -3\n")))
    with pytest.raises(SettingsError, match="disclosure.threshold"):
        dbt_project_args()


def test_the_default_threshold_is_10(tmp_path):
    assert load_settings(tmp_path / "none.yml").disclosure.threshold == 10 == disclosure.DEFAULT_THRESHOLD


# ----------------------------------------------------------------- the command line


def _cli(wh, *args):
    return CliRunner().invoke(main, ["--warehouse", str(wh), "report", *args])


def _log_rows(wh) -> list[tuple]:
    """The --exact log: on DuckDB in the restricted file beside the warehouse, with the other audit logs."""
    from costcalc.warehouse.restricted_store import restricted_connection, restricted_path

    if not restricted_path(wh).exists():
        return []
    with restricted_connection(wh, read_only=True) as con:
        have = con.execute("select count(*) from information_schema.tables where table_schema = 'audit'"
                           " and table_name = 'exact_report_log'").fetchone()[0]
        if not have:
            return []
        return con.execute("select log_id, run_at, run_by, report, period_from, period_to, filters"
                           " from audit.exact_report_log order by log_id").fetchall()


def test_every_format_shows_suppressed_cells_as_under_the_threshold(tmp_path):
    wh = _marts(tmp_path, LEAKY)
    table = _cli(wh, "services")
    assert table.exit_code == 0, table.output
    assert "<10" in table.stdout and "£300.00" in table.stdout and "Counts of fewer than 10 people" in table.stdout
    rows = list(csv.DictReader(io.StringIO(_cli(wh, "services", "--format", "csv").stdout)))
    eq = [r for r in rows if r["service_type"] == "Equipment"][0]
    assert eq["clients"] == "<10" and eq["cost"] == "<10"
    doc = json.loads(_cli(wh, "services", "--format", "json").stdout)
    eq = [r for r in doc["rows"] if r["service_type"] == "Equipment"][0]
    assert eq["cost"] == "<10" and eq["clients"] == "<10"
    assert doc["disclosure"]["threshold"] == 10 and doc["disclosure"]["suppressed_shown_as"] == "<10"
    assert doc["disclosure"]["exact"] is False and doc["disclosure"]["suppressed_cells"] == 12
    assert _log_rows(wh) == []   # nothing exact, nothing logged


def test_exact_shows_the_figures_says_so_and_is_logged(tmp_path):
    wh = _marts(tmp_path, LEAKY)
    res = _cli(wh, "services", "--exact", "--format", "json", "--from", "2024-01-01", "--to", "2024-01-31",
               "--service", "Adult Social Care")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert {r["service_type"]: (r["clients"], r["cost"]) for r in doc["rows"]} == {
        "Equipment": (3, pytest.approx(900)), "Home Care": (12, pytest.approx(240))}
    assert doc["disclosure"]["exact"] is True and "NOT FOR PUBLICATION" in doc["disclosure"]["not_for_publication"]
    assert "NOT FOR PUBLICATION" in doc["notes"][0]
    assert "NOT FOR PUBLICATION" in res.stderr and "logged as exact report run 1" in res.stderr
    [(log_id, run_at, run_by, report, p_from, p_to, filters)] = _log_rows(wh)
    assert (log_id, run_by, report, p_from, p_to) == (1, default_user(), "services", date(2024, 1, 1),
                                                      date(2024, 1, 31))
    assert json.loads(filters) == {"services": ["Adult Social Care"]}
    assert run_at is not None
    table = _cli(wh, "ta-comparison", "--exact")
    assert table.exit_code == 0 and "NOT FOR PUBLICATION: exact figures" in table.stdout
    assert [r[3] for r in _log_rows(wh)] == ["services", "ta-comparison"]
    for cmd in ("memberships", "needs"):
        assert _cli(wh, cmd, "--exact").exit_code == 0
    assert len(_log_rows(wh)) == 4


def test_individual_level_reports_are_labelled_in_every_format(tmp_path):
    wh = build_marts(tmp_path / "wh.duckdb")
    for args in (["top-clients"], ["client", "C00000001"]):
        table = _cli(wh, *args)
        assert table.exit_code == 0, table.output
        assert "NOT FOR PUBLICATION: individual-level pseudonymous data" in table.stdout
        assert "Individual-level pseudonymous data: not for publication" in table.stdout
        doc = json.loads(_cli(wh, *args, "--format", "json").stdout)
        assert doc["disclosure"]["individual_level"] is True and "Individual-level" in doc["notes"][0]
        plain = _cli(wh, *args, "--format", "csv")
        assert "individual-level" in plain.stderr and "individual-level" not in plain.stdout.lower()
        assert list(csv.DictReader(io.StringIO(plain.stdout)))  # the CSV stays plain rows
    # per client, not suppressed: client C00000001's own costs
    rows = json.loads(_cli(wh, "top-clients", "--format", "json").stdout)["rows"]
    assert rows[0]["cost"] == pytest.approx(4380)
    assert "--exact" not in _cli(wh, "top-clients", "--help").stdout
