"""Each report filter, and each report's shape, on a real DuckDB file."""

from __future__ import annotations

from datetime import date

import pytest

from costcalc import reports
from costcalc.reports import ClientNotFound, ReportFilters
from reports_marts_helper import build_marts


@pytest.fixture()
def rep_con(tmp_path):
    con = reports.connect(build_marts(tmp_path / "wh.duckdb"))
    yield con
    con.close()


def clients(con, **kw) -> set[str]:
    return {r["client_id"] for r in reports.top_clients(con, ReportFilters(**kw), limit=100).rows}


def service_types(con, **kw) -> set[str]:
    return {r["service_type"] for r in reports.services(con, ReportFilters(**kw)).rows}


ALL_COSTED = {"C00000001", "C00000002", "C00000003", "C00000004", "C00000006"}


def test_no_filters_reports_every_client_with_service_use(rep_con):
    assert clients(rep_con) == ALL_COSTED


def test_service_type_include_is_case_insensitive_and_repeatable(rep_con):
    assert service_types(rep_con, service_types=("home care",)) == {"Home Care"}
    assert service_types(rep_con, service_types=("HOME CARE", "Equipment ")) == {"Home Care", "Equipment"}
    assert clients(rep_con, service_types=("Home Care",)) == {"C00000002"}


def test_service_type_exclude(rep_con):
    got = service_types(rep_con, exclude_service_types=("Housing Benefit Entitlement", "floating support"))
    assert got == {"Self-contained", "Equipment", "Home Care", "Bed and Breakfast"}
    assert "C00000003" not in clients(rep_con, exclude_service_types=("Housing Benefit Entitlement",))


def test_service_include_and_exclude(rep_con):
    assert clients(rep_con, services=("temporary accommodation",)) == {"C00000001", "C00000004"}
    assert service_types(rep_con, services=("Adult Social Care",)) == {"Equipment", "Home Care"}
    got = {r["service"] for r in reports.services(rep_con, ReportFilters(exclude_services=("Housing Benefit",))).rows}
    assert got == {"Temporary Accommodation", "Adult Social Care", "General Service"}


def test_with_membership_any_spelling(rep_con):
    for spelling in ("Troubled Families", "troubled_families", "TROUBLED-FAMILIES", "tf01"):
        # C5 is in Troubled Families too but has no service use, so costs nothing
        assert clients(rep_con, with_memberships=(spelling,)) == {"C00000002"}, spelling


def test_with_several_memberships_means_all_of_them(rep_con):
    assert clients(rep_con, with_memberships=("Temporary Accommodation",)) == {"C00000001", "C00000004"}
    assert clients(rep_con, with_memberships=("Temporary Accommodation", "Housing Benefit")) == {"C00000004"}


def test_without_membership(rep_con):
    assert clients(rep_con, without_memberships=("Temporary Accommodation",)) == {"C00000002", "C00000003", "C00000006"}
    assert clients(rep_con, without_memberships=("Temporary Accommodation", "Housing Benefit Switch")) == {
        "C00000002", "C00000006"}


def test_pool_filters_keep_all_of_a_clients_services(rep_con):
    # Ever in TA: C4's housing benefit counts too (the pool picks people, not records).
    assert service_types(rep_con, with_memberships=("Temporary Accommodation",)) == {
        "Self-contained", "Equipment", "Bed and Breakfast", "Housing Benefit Entitlement"}


def test_convenience_flags(rep_con):
    assert clients(rep_con, ever_temporary_accommodation=True) == {"C00000001", "C00000004"}
    assert clients(rep_con, ever_temporary_accommodation=False) == {"C00000002", "C00000003", "C00000006"}
    assert clients(rep_con, in_troubled_families=True) == {"C00000002"}
    assert clients(rep_con, in_troubled_families=False) == ALL_COSTED - {"C00000002"}
    assert clients(rep_con, housing_benefit_switch=True) == {"C00000003"}
    assert clients(rep_con, housing_benefit_switch=False, ever_temporary_accommodation=False) == {
        "C00000002", "C00000006"}


def test_age_limits_are_inclusive_and_exclude_unknown_ages(rep_con):
    assert clients(rep_con, min_age=40) == {"C00000001", "C00000002"}
    assert clients(rep_con, max_age=25) == {"C00000003", "C00000004"}
    assert clients(rep_con, min_age=25, max_age=40) == {"C00000001", "C00000003"}
    assert "C00000006" not in clients(rep_con, min_age=0)          # age unknown
    assert clients(rep_con, min_age=50, max_age=20) == set()


def test_need_picks_clients_with_that_primary_support_reason(rep_con):
    assert clients(rep_con, needs=("learning disability",)) == {"C00000002"}
    assert clients(rep_con, needs=("Learning Disability", "Physical Support")) == {"C00000001", "C00000002"}
    # a pool filter: C1's temporary accommodation counts as well as the care record with the need
    assert service_types(rep_con, needs=("Physical Support",)) == {"Self-contained", "Equipment"}


def test_filters_combine(rep_con):
    f = dict(date_from=date(2024, 2, 1), date_to=date(2024, 2, 29), ever_temporary_accommodation=True,
             exclude_service_types=("Equipment",))
    assert clients(rep_con, **f) == {"C00000004"}


def test_top_clients_order_and_limit(rep_con):
    rows = reports.top_clients(rep_con, ReportFilters(), limit=2).rows
    assert [(r["rank"], r["client_id"]) for r in rows] == [(1, "C00000006"), (2, "C00000001")]
    assert rows[0]["cost"] == pytest.approx(4380) and rows[1]["cost"] == pytest.approx(1550 + 100)
    assert rows[1]["services"] == 2 and rows[1]["records"] == 2 and rows[1]["age_band"] == "35-44"


def test_services_report_columns(rep_con):
    rows = {r["service_type"]: r for r in reports.services(rep_con, ReportFilters(), exact=True).rows}
    hb = rows["Housing Benefit Entitlement"]
    assert (hb["clients"], hb["records"], hb["days"]) == (2, 2, 91 + 29)
    assert hb["cost"] == pytest.approx(910 + 203) and hb["mean_per_client"] == pytest.approx((910 + 203) / 2)
    assert sum(r["share_of_cost"] for r in rows.values()) == pytest.approx(1.0)


def test_ta_comparison(rep_con):
    rep = reports.ta_comparison(rep_con, ReportFilters(date_from=date(2024, 1, 1), date_to=date(2024, 3, 31)),
                                exact=True)
    rows = {(r["service"], r["service_type"]): r for r in rep.rows}
    # Active in the period: C1, C4 (ever TA); C2, C3 (others). C6's service ended in 2023.
    hb = rows[("Housing Benefit", "Housing Benefit Entitlement")]
    assert (hb["ta_clients"], hb["ta_users"], hb["other_clients"], hb["other_users"]) == (2, 1, 2, 1)
    assert hb["ta_share"] == pytest.approx(0.5) and hb["other_share"] == pytest.approx(0.5)
    assert hb["ta_mean"] == pytest.approx(203) and hb["other_mean"] == pytest.approx(60 * 10)
    care = rows[("Adult Social Care", "Home Care")]
    assert care["ta_users"] == 0 and care["ta_mean"] is None and care["other_median"] == pytest.approx(61 * 20)
    total = rows[(reports.ALL_SERVICES, reports.ALL_SERVICES)]
    assert rep.rows[-1] is not None and rep.rows[-1]["service"] == reports.ALL_SERVICES
    assert (total["ta_users"], total["other_users"]) == (2, 2)
    assert total["ta_mean"] == pytest.approx((1650 + 240 + 203) / 2)
    assert total["ta_median"] == pytest.approx((1650 + 443) / 2)
    assert total["other_median"] == pytest.approx((1220 + 600) / 2)
    assert ("General Service", "Floating Support") not in rows
    assert "2 clients ever in temporary accommodation and 2 other clients" in " ".join(rep.notes)


def test_ta_comparison_median_differs_from_mean(tmp_path):
    rows = [(i, f"C0000000{i}", "GS00", "general_service", "General Service", "Visits", None,
             date(2024, 1, 1), date(2024, 1, 1), False, "Daily", c, c, None)
            for i, c in [(1, 10.0), (2, 20.0), (3, 30.0), (6, 100.0)]]
    con = reports.connect(build_marts(tmp_path / "median.duckdb", service_use=rows))
    try:
        row = reports.ta_comparison(con, exact=True).rows[0]
        # C1 ever TA in dim_client; C2, C3, C6 others
        assert row["ta_users"] == 1 and row["ta_mean"] == pytest.approx(10)
        assert row["other_users"] == 3 and row["other_share"] == pytest.approx(1.0)
        assert row["other_mean"] == pytest.approx(50) and row["other_median"] == pytest.approx(30)
    finally:
        con.close()


def test_client_breakdown_known_unknown_and_outside_pool(rep_con):
    rep = reports.client_breakdown(rep_con, "C00000001")
    assert [(r["service"], r["service_type"]) for r in rep.rows] == [
        ("Adult Social Care", "Equipment"), ("Temporary Accommodation", "Self-contained")]
    with pytest.raises(ClientNotFound):
        reports.client_breakdown(rep_con, "C12345678")
    outside = reports.client_breakdown(rep_con, "C00000001", ReportFilters(ever_temporary_accommodation=False))
    assert outside.rows == [] and "outside the selected client pool" in " ".join(outside.notes)
    filtered = reports.client_breakdown(rep_con, "C00000001", ReportFilters(service_types=("Equipment",)))
    assert [r["cost"] for r in filtered.rows] == [pytest.approx(100)]


def test_memberships_lists_filter_values(rep_con):
    rows = {r["membership"]: r["clients"] for r in reports.memberships(rep_con, exact=True).rows}
    assert rows["Troubled Families"] == 2 and rows["Temporary Accommodation"] == 2


def test_need_matches_the_category_before_a_colon(tmp_path):
    base = (date(2024, 1, 1), date(2024, 1, 1), False, "Daily", 1.0, 1.0, None)
    rows = [(1, "C00000001", "ASC01", "adult_social_care", "Adult Social Care", "Home Care",
             "Physical Support: Personal Care Support", *base),
            (2, "C00000002", "ASC01", "adult_social_care", "Adult Social Care", "Home Care",
             "Physical Support: Access & Mobility Only", *base),
            (3, "C00000003", "ASC01", "adult_social_care", "Adult Social Care", "Home Care",
             "Physical Supportive Something", *base)]
    con = reports.connect(build_marts(tmp_path / "needs.duckdb", service_use=rows))
    try:
        assert clients(con, needs=("physical support",)) == {"C00000001", "C00000002"}
        assert clients(con, needs=("Physical Support: Access & Mobility Only",)) == {"C00000002"}
        assert clients(con, needs=("Personal Care Support",)) == set()
        listed = {r["need"]: r["clients"] for r in reports.needs(con, exact=True).rows}
        assert listed == {"Physical Support: Personal Care Support": 1, "Physical Support: Access & Mobility Only": 1,
                          "Physical Supportive Something": 1}
    finally:
        con.close()
