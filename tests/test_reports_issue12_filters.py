"""The 2017 tool's missing filters and details (docs/reports.md): "all of the services",
"all of the needs", a client's records one by one, and the services report by month,
quarter, year or financial year. On DuckDB and PostgreSQL (the reports run on servers
through costcalc.warehouse.engines), on marts built by hand with figures worked out here.
"""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from costcalc import reports
from costcalc.cli import main
from costcalc.reports import ReportFilters, bucket_label
from helpers import postgres as pg
from helpers.engines import Engine
from reports_marts_helper import DIM_CLIENT, build_marts, fill_report_marts


def rec(n, client, file_type, service, label, raw, need, start, end, per_day, freq="Daily", one_off=None):
    schema = {"Temporary Accommodation": "H01A", "Adult Social Care": "ASC01"}[service]
    return (n, client, schema, file_type, service, label, need, start, end, False, freq,
            per_day if one_off is None else one_off, per_day, one_off, None, raw, service)


TA, ASC = ("temporary_accommodation", "Temporary Accommodation"), ("adult_social_care", "Adult Social Care")
D = date
USES = [
    # C1: a hostel in January 2024 (raw 'HOSTEL'), home care in March 2024.
    rec(1, "C00000001", *TA, "Hostel", "HOSTEL", None, D(2024, 1, 1), D(2024, 1, 10), 10.0),
    rec(2, "C00000001", *ASC, "Home Care", "Home care", "Physical Support: Personal Care Support",
        D(2024, 3, 1), D(2024, 3, 31), 1.0),
    # C2: both types too, but the hostel ended in 2023.
    rec(3, "C00000002", *TA, "Hostel", "Hostel", None, D(2023, 6, 1), D(2023, 12, 31), 5.0),
    rec(4, "C00000002", *ASC, "Home Care", "Home Care", "Learning Disability", D(2024, 2, 1), D(2024, 2, 29), 2.0),
    # C3: a hostel and day care, each only partly inside late-January periods.
    rec(5, "C00000003", *TA, "Hostel", "Hostel", None, D(2024, 1, 20), D(2024, 2, 10), 3.0),
    rec(6, "C00000003", *ASC, "Day Care", "Day Care", "Physical Support", D(2024, 1, 1), D(2024, 1, 31), 4.0),
    # C4: home care, day care and private sector leased (raw 'PSL') in the first days of 2024.
    rec(7, "C00000004", *ASC, "Home Care", "Home Care", "Physical Support", D(2024, 1, 1), D(2024, 1, 5), 6.0),
    rec(8, "C00000004", *ASC, "Day Care", "Day Care", "Learning Disability", D(2024, 1, 1), D(2024, 1, 5), 1.0),
    rec(9, "C00000004", *TA, "Private Sector Leased", "PSL", None, D(2024, 1, 1), D(2024, 1, 5), 2.0),
    # C6: a one-off on 31 March 2024 and a record across two financial years and four quarters.
    rec(10, "C00000006", *ASC, "Equipment", "Equipment", "Physical Support", D(2024, 3, 31), D(2024, 3, 31),
        None, freq="One-off", one_off=250.0),
    rec(11, "C00000006", *ASC, "Home Care", "Home Care", "Physical Support", D(2024, 2, 15), D(2024, 10, 14), 1.0),
]
MEMBERSHIP = [("C00000001", "Temporary Accommodation", "H01A")]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def con(request, tmp_path_factory):
    """The report marts above on each engine, open for the reports."""
    if request.param == "duckdb":
        wh = build_marts(tmp_path_factory.mktemp("issue12") / "wh.duckdb", USES, DIM_CLIENT, MEMBERSHIP,
                         restricted=False)
        c = reports.connect(wh)
        yield c
        c.close()
        return
    pg.server_or_skip()
    with pg.fresh_database() as name:
        engine = Engine("postgres", {"COSTCALC_PG_DATABASE": name})
        c = engine.open(None)
        try:
            fill_report_marts(c, USES, DIM_CLIENT, MEMBERSHIP)
            yield c
        finally:
            c.close()


def costs(con, **kw) -> dict[str, float]:
    return {r["client_id"]: float(r["cost"]) for r in reports.top_clients(con, ReportFilters(**kw), limit=100).rows}


Q1_2024 = dict(date_from=D(2024, 1, 1), date_to=D(2024, 3, 31))


# ------------------------------------------------------------------ all of the services

def test_all_of_the_services_means_every_type_used_in_the_period(con):
    # C1: hostel 10 days x 10 + home care 31 days x 1. C2 used a hostel only in 2023.
    assert costs(con, all_service_types=("Hostel", "home care"), **Q1_2024) == pytest.approx({"C00000001": 131})
    # From June 2023 C2's hostel counts too: 214 days x 5 + 29 days x 2.
    assert costs(con, all_service_types=("Hostel", "Home Care"), date_from=D(2023, 6, 1), date_to=D(2024, 3, 31)) \
        == pytest.approx({"C00000001": 131, "C00000002": 1128})


def test_any_overlap_with_the_period_counts_not_only_records_wholly_inside(con):
    # C3's hostel (20 Jan - 10 Feb) and day care (January) both only overlap the period:
    # the 2017 tool left C3 out; now C3 is in, costed for the days inside.
    got = costs(con, all_service_types=("Hostel", "Day Care"), date_from=D(2024, 1, 25), date_to=D(2024, 3, 31))
    assert got == pytest.approx({"C00000003": 17 * 3 + 7 * 4})


def test_all_of_the_services_then_costs_only_records_the_other_filters_keep(con):
    assert costs(con, all_service_types=("Hostel", "Home Care"), service_types=("Home Care",), **Q1_2024) \
        == pytest.approx({"C00000001": 31})


def test_all_of_the_services_matches_labels_and_the_types_as_files_gave_them(con):
    whole = 5 * 6 + 5 * 1 + 5 * 2
    assert costs(con, all_service_types=("psl", "HOME CARE"), **Q1_2024) == pytest.approx({"C00000004": whole})
    assert costs(con, all_service_types=("Private Sector Leased", "Day Care"), **Q1_2024) \
        == pytest.approx({"C00000004": whole})
    # a record filter on the raw type picks the labelled record
    assert costs(con, service_types=("PSL",), **Q1_2024) == pytest.approx({"C00000004": 10})
    assert costs(con, exclude_service_types=("psl", "hostel", "day care", "home care", "equipment"), **Q1_2024) == {}


def test_a_type_given_twice_is_one_type_and_an_unknown_type_matches_nobody(con):
    assert costs(con, all_service_types=("Hostel", "hostel ", "Home Care"), **Q1_2024) == \
        costs(con, all_service_types=("Hostel", "Home Care"), **Q1_2024)
    assert costs(con, all_service_types=("Hostel", "Respite"), **Q1_2024) == {}


# ------------------------------------------------------------------ all of the needs

def test_all_of_the_needs_means_every_need_in_full_or_by_category(con):
    # any of the needs (--need): four clients; all of them (--all-need): only C4
    assert set(costs(con, needs=("Physical Support", "Learning Disability"), **Q1_2024)) == \
        {"C00000001", "C00000002", "C00000003", "C00000004", "C00000006"}
    assert costs(con, all_needs=("physical support", "Learning Disability"), **Q1_2024) \
        == pytest.approx({"C00000004": 45})
    # "Physical Support" matches C1's "Physical Support: Personal Care Support" by its category
    assert set(costs(con, all_needs=("Physical Support",), **Q1_2024)) == \
        {"C00000001", "C00000003", "C00000004", "C00000006"}


# ------------------------------------------------------------------ a client's records

def test_client_records_one_row_per_record_with_its_details_and_cost(con):
    rep = reports.client_records(con, "C00000006", ReportFilters(date_from=D(2024, 3, 1), date_to=D(2024, 4, 30)))
    rows = [{k: r[k] for k in ("service_type", "need", "start_date", "end_date", "frequency", "days")}
            | {"unit_cost": float(r["unit_cost"]), "cost": float(r["cost"])} for r in rep.rows]
    assert rows == [
        {"service_type": "Home Care", "need": "Physical Support", "start_date": D(2024, 2, 15),
         "end_date": D(2024, 10, 14), "frequency": "Daily", "days": 61, "unit_cost": 1.0, "cost": 61.0},
        {"service_type": "Equipment", "need": "Physical Support", "start_date": D(2024, 3, 31),
         "end_date": D(2024, 3, 31), "frequency": "One-off", "days": 1, "unit_cost": 250.0, "cost": 250.0},
    ]
    # the records add up to the client's breakdown
    breakdown = reports.client_breakdown(con, "C00000006", ReportFilters(date_from=D(2024, 3, 1),
                                                                        date_to=D(2024, 4, 30)))
    assert sum(float(r["cost"]) for r in breakdown.rows) == pytest.approx(311)


def test_client_records_by_financial_year_split_a_record_at_1_april(con):
    rep = reports.client_records(con, "C00000006", ReportFilters(service_types=("home care",)), by="financial-year")
    # no --from/--to: the period is the data's, 1 June 2023 (earliest start) to 14 October 2024
    assert [(r["period_from"], r["period_to"], r["days"], float(r["cost"])) for r in rep.rows] == [
        (D(2023, 6, 1), D(2024, 3, 31), 46, 46.0), (D(2024, 4, 1), D(2024, 10, 14), 197, 197.0)]


# ------------------------------------------------------------------ services --by

@pytest.mark.parametrize("by", ["month", "quarter", "year", "financial-year"])
def test_services_by_bucket_add_up_to_the_period(con, by):
    f = ReportFilters(date_from=D(2023, 11, 17), date_to=D(2024, 6, 3))
    whole = {(r["service"], r["service_type"]): float(r["cost"]) for r in reports.services(con, f, exact=True).rows}
    rep = reports.services(con, f, by=by, exact=True)
    summed: dict = {}
    for r in rep.rows:
        key = (r["service"], r["service_type"])
        summed[key] = summed.get(key, 0.0) + float(r["cost"])
        assert f.date_from <= r["period_from"] <= r["period_to"] <= f.date_to
        assert r["period"] == bucket_label(by, r["period_from"])
    assert summed == pytest.approx(whole)
    # each bucket's shares add up to one
    for label in {r["period"] for r in rep.rows}:
        assert sum(float(r["share_of_cost"]) for r in rep.rows if r["period"] == label) == pytest.approx(1)


def test_services_by_financial_year_and_quarter_hand_worked(con):
    f = ReportFilters(date_from=D(2024, 1, 1), date_to=D(2024, 12, 31), service_types=("Home Care",))
    fy = {(r["period"], r["period_from"], r["period_to"]): float(r["cost"]) for r in reports.services(con, f, exact=True,
                                                                                                      by="financial-year").rows}
    # 2023-24 (1 Jan - 31 Mar): C1 31 + C2 29 x 2 + C4 5 x 6 + C6 46 = 165; 2024-25: C6 197 days
    assert fy == pytest.approx({("2023-24", D(2024, 1, 1), D(2024, 3, 31)): 165.0,
                                ("2024-25", D(2024, 4, 1), D(2024, 12, 31)): 197.0})
    q = {r["period"]: float(r["cost"]) for r in reports.services(con, f, by="quarter", exact=True).rows}
    # C6 runs 15 Feb - 14 Oct: 46 days in Q1, 91 in Q2, 92 in Q3, 14 in Q4
    assert q == pytest.approx({"2024 Q1": 165.0, "2024 Q2": 91.0, "2024 Q3": 92.0, "2024 Q4": 14.0})


def test_bucket_labels():
    assert bucket_label("financial-year", D(2024, 3, 31)) == "2023-24"
    assert bucket_label("financial-year", D(2024, 4, 1)) == "2024-25"
    assert bucket_label("financial-year", D(1999, 4, 1)) == "1999-00"
    assert bucket_label("quarter", D(2024, 10, 1)) == "2024 Q4"
    assert bucket_label("month", D(2024, 2, 29)) == "2024-02"
    assert bucket_label("year", D(2024, 2, 29)) == "2024"


# ------------------------------------------------------------------ on the command line (DuckDB)

@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    return build_marts(tmp_path_factory.mktemp("issue12cli") / "wh.duckdb", USES, DIM_CLIENT, MEMBERSHIP,
                       restricted=False)


def cli(wh, *args) -> str:
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "report", *args])
    assert res.exit_code == 0, res.output
    return res.stdout  # stderr carries the not-for-publication notices


def test_cli_all_of_options_are_repeatable_and_reported_in_the_filters(wh):
    import json
    out = json.loads(cli(wh, "top-clients", "--from", "2024-01-01", "--to", "2024-03-31", "--all-service-type",
                         "Hostel", "--all-service-type", "Home Care", "--format", "json"))
    assert [(r["client_id"], r["cost"]) for r in out["rows"]] == [("C00000001", 131)]
    assert out["filters"]["all_service_types"] == ["Hostel", "Home Care"]
    out = json.loads(cli(wh, "top-clients", "--all-need", "Physical Support", "--all-need", "Learning Disability",
                         "--format", "json"))
    assert [r["client_id"] for r in out["rows"]] == ["C00000004"]


def test_cli_client_records_and_the_breakdown_stays_as_it_was(wh):
    plain = cli(wh, "client", "C00000004", "--format", "csv").splitlines()
    assert plain[0] == "period_from,period_to,service,service_type,records,days,cost"
    records = cli(wh, "client", "C00000004", "--records", "--format", "csv").splitlines()
    assert records[0] == ("period_from,period_to,service_use_id,service,service_type,need,start_date,end_date,"
                          "unit_cost,frequency,days,cost")
    assert len(records) == 4
    table = cli(wh, "client", "C00000004", "--records")
    assert "Private Sector Leased" in table and "Learning Disability" in table


def test_cli_services_by_financial_year(wh):
    out = cli(wh, "services", "--by", "financial-year", "--from", "2024-01-01", "--to", "2024-12-31", "--format", "csv")
    lines = out.splitlines()
    assert lines[0].startswith("period,period_from,period_to,service,service_type,")
    assert {line.split(",")[0] for line in lines[1:]} == {"2023-24", "2024-25"}


def test_cli_unmapped_types_lists_types_without_a_category(tmp_path):
    uses = [rec(1, "C00000001", *TA, "Hostel", "Hostel", None, D(2024, 1, 1), D(2024, 1, 2), 1.0),
            rec(2, "C00000001", *TA, "Yurt", "Yurt", None, D(2024, 1, 1), D(2024, 1, 2), 1.0)[:16] + (None,),
            rec(3, "C00000002", *TA, "Yurt", "Yurt", None, D(2024, 2, 1), D(2024, 2, 2), 1.0)[:16] + (None,)]
    wh = build_marts(tmp_path / "wh.duckdb", uses, DIM_CLIENT, MEMBERSHIP, restricted=False)
    out = cli(wh, "unmapped-types", "--format", "csv").splitlines()
    assert out == ["file_type,raw_service_type,records", "temporary_accommodation,Yurt,2"]


@pytest.mark.parametrize("by", ["month", "year"])
def test_client_breakdown_by_month_and_year_run_on_every_engine(con, by):
    """Found on PostgreSQL (2026-11-30): the month and year buckets used
    unnest(generate_series(...)), which PostgreSQL refuses."""
    f = ReportFilters(date_from=D(2023, 12, 15), date_to=D(2024, 2, 10))
    rep = reports.client_breakdown(con, "C00000003", f, by=by)
    got = {(r["period_from"], r["service_type"]): float(r["cost"]) for r in rep.rows}
    if by == "month":  # hostel 20 Jan - 10 Feb at 3, day care January at 4
        assert got == pytest.approx({(D(2024, 1, 1), "Day Care"): 124.0, (D(2024, 1, 1), "Hostel"): 36.0,
                                     (D(2024, 2, 1), "Hostel"): 30.0})
    else:
        assert got == pytest.approx({(D(2024, 1, 1), "Day Care"): 124.0, (D(2024, 1, 1), "Hostel"): 66.0})


def test_cli_unmapped_types_when_every_type_has_a_label(wh):
    out = cli(wh, "unmapped-types")
    assert "Every service type in the marts has a label." in out
