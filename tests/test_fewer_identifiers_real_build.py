"""Fewer identifiers end to end (issue 14): real spreadsheets and CSV files through the
loader, `costcalc build` of the real dbt project, on DuckDB and on PostgreSQL.

- A discretionary housing payments file (GS01: NI number, surname, amount, dates; no date
  of birth or postcode) is loaded and costed, and its rows join the same person's
  housing benefit record through the NI number.
- Two extracts of temporary accommodation carry one person's PIN with a surname typing
  error, a date of birth one digit out and a move: the PIN links them; the same details
  with different PINs stay two clients.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from watch_helpers import write_xlsx

NI = "JK402113B"


def write_csv(path: Path, head: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def ta_file(path: Path, rows: list[list]) -> Path:
    return write_csv(path, ["PIN", "Surname", "First Name", "Date of Birth", "Post Code", "Start Date",
                            "Weekly Cost", "Property Type"], rows)


def test_an_ni_only_data_set_is_costed_and_linked_and_pins_link_extracts(fresh_engine, tmp_path):
    wh = tmp_path / "wh.duckdb"
    hb = write_csv(tmp_path / "hb_2024-04-30.csv", [
        "housing_benefit_claim_reference_number", "claimants_postcode", "claimants_national_insurance_number",
        "claimants_first_forename", "claimants_surname", "claimants_date_of_birth",
        "hb_claim_entitlement_start_date", "snapshot_date", "weekly_housing_benefit_entitlement"],
        [["HB1001", "WF1 1AA", NI, "Susan", "Ormerod", "05/05/1975", "01/01/2024", "30/04/2024", "80"]])
    dhp = write_xlsx(tmp_path / "dhp_2024-04.xlsx", [
        "NI Number", "Surname", "Start Date", "End Date", "Weekly Amount", "Service Description"],
        [[NI.lower(), "ORMEROD", dt.datetime(2024, 4, 1), dt.datetime(2024, 4, 28), 25, "Discretionary Housing Payment"],
         ["QQ123456C", "Blenkinsop", dt.datetime(2024, 4, 1), None, 25, "Discretionary Housing Payment"]])
    ta1 = ta_file(tmp_path / "ta_2024-03.csv", [
        ["P-77", "Wolstenholme", "Derek", "14/03/1955", "HX1 1AA", "01/03/2024", "100", "B&B"],
        ["P-80", "Heptonstall", "Mavis", "08/08/1944", "HX2 2AA", "01/03/2024", "100", "B&B"]])
    ta2 = ta_file(tmp_path / "ta_2024-04.csv", [
        ["p77", "Wolstenhulme", "Derek", "14/03/1956", "YO8 8ZZ", "01/04/2024", "100", "Hostel"],
        ["P-81", "Heptonstal", "Mavis", "08/08/1945", "YO9 9ZZ", "01/04/2024", "100", "Hostel"]])
    with fresh_engine.selected():
        assert load_file(wh, hb, file_type="housing_benefit", provider="revenues_benefits").status == "loaded"
        res = load_file(wh, dhp, file_type="dhp_awards", provider="revenues_benefits",
                        extract_date="2024-04-30")
        # a careless header for the amount ('Weekly Amount') refuses the file, naming the one asked for
        assert res.status == "rejected" and "Cost" in res.message
        dhp = write_xlsx(tmp_path / "dhp_2024-04b.xlsx", [
            "NI Number", "Surname", "Start Date", "End Date", "Cost", "Service Description"],
            [[NI.lower(), "ORMEROD", dt.datetime(2024, 4, 1), dt.datetime(2024, 4, 28), 25,
              "Discretionary Housing Payment"],
             ["QQ123456C", "Blenkinsop", dt.datetime(2024, 4, 1), None, 25, "Discretionary Housing Payment"]])
        res = load_file(wh, dhp, file_type="dhp_awards", provider="revenues_benefits",
                        extract_date="2024-04-30")
        assert (res.status, res.rows_accepted, res.rows_rejected) == ("loaded", 1, 1), res.message
        for f, x in ((ta1, "2024-03-31"), (ta2, "2024-04-30")):
            assert load_file(wh, f, file_type="temporary_accommodation", provider="housing_needs",
                             extract_date=x).status == "loaded"
        out = CliRunner().invoke(main, ["--warehouse", str(wh), "build"])
        assert out.exit_code == 0, out.output
        con = fresh_engine.open(wh, read_only=True) if fresh_engine.name == "duckdb" else fresh_engine.open(wh)
        try:
            links = {(f, r): c for f, r, c in con.execute(
                "select source_file, source_row, client_id from marts.client_record_links").fetchall()}
            assert links[("dhp_2024-04b.xlsx", 2)] == links[("hb_2024-04-30.csv", 2)]
            assert links[("ta_2024-03.csv", 2)] == links[("ta_2024-04.csv", 2)]
            assert links[("ta_2024-03.csv", 3)] != links[("ta_2024-04.csv", 3)]
            assert len(set(links.values())) == 4
            costs = con.execute(
                "select client_id, month, service_type, cost from marts.fct_cost_monthly "
                "where service = 'Discretionary Housing Payments'").fetchall()
            assert [(c, m, t, round(Decimal(str(v)), 6)) for c, m, t, v in costs] == [
                (links[("hb_2024-04-30.csv", 2)], dt.date(2024, 4, 1), "Discretionary Housing Payment",
                 Decimal("100.000000"))]
        finally:
            con.close()
