"""The address gazetteer (GZ01, docs/households.md "Gazetteer") through the real
loader: a real .xlsx written with openpyxl and a real CSV, UPRNs validated (digits
only, at most 12), bad rows rejected naming row, column and value in the
provider's error report, and the file recognised from its headers."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from loader_helpers import allow_rejected_rows, query

from costcalc.ingest.landing import load_file
from costcalc.ingest.values import InvalidValue, parse_uprn
from costcalc.schemas import load_schemas


@pytest.mark.parametrize("value, expected", [
    ("100023336956", "100023336956"), (100023336956, "100023336956"), (100023336956.0, "100023336956"),
    (" 10002 3336956 ", "100023336956"), ("000123", "123"), ("100023336956.0", "100023336956"), (None, None),
    ("", None)])
def test_uprns_are_digits(value, expected):
    assert parse_uprn(value) == expected


@pytest.mark.parametrize("value", ["1000233369561", "UPRN1", "-5", "12.5", 12.5, "0", True, "1e9", "１２"])
def test_what_is_not_a_uprn(value):
    with pytest.raises(InvalidValue):
        parse_uprn(value)


def test_a_gazetteer_workbook_loads_and_bad_uprns_are_rejected(tmp_path, monkeypatch):
    allow_rejected_rows(monkeypatch, tmp_path)
    wh = tmp_path / "costcalc.duckdb"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["UPRN", "Address Line 1", "Address Line 2", "Town", "Postcode"])
    ws.append([100021000041, "1 ASHFORD GARDENS", "BRENTFORD", "BRENTFORD", "TW8 1SR"])
    ws.append(["100021000094", "FLAT 1", "4 OAK STREET", "FELTHAM", "tw14 9sn"])
    ws.append(["10002100009412", "2 OAK STREET", None, "FELTHAM", "TW14 9SN"])   # 14 digits
    ws.append(["U-77", "3 OAK STREET", None, "FELTHAM", "TW14 9SN"])             # not digits
    ws.append([None, "4 OAK STREET", None, "FELTHAM", "TW14 9SN"])               # no UPRN
    p = tmp_path / "llpg.xlsx"
    wb.save(p)
    r = load_file(wh, p, extract_date="2026-03-31")
    assert (r.status, r.schema_code, r.file_type) == ("loaded", "GZ01", "address_gazetteer"), r.message
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (5, 2, 3)
    assert query(wh, "select uprn, address_line_1, address_line_2, address_line_4, postcode from raw.gz01 "
                     "order by _source_row") == [
        ("100021000041", "1 ASHFORD GARDENS", "BRENTFORD", "BRENTFORD", "TW8 1SR"),
        ("100021000094", "FLAT 1", "4 OAK STREET", "FELTHAM", "TW14 9SN")]
    rejected = query(wh, "select source_row, column_name, value, reason from raw.rejected_rows order by source_row")
    assert [(row, col) for row, col, _, _ in rejected] == [(4, "uprn"), (5, "uprn"), (6, "uprn")]
    assert "more than 12 digits" in rejected[0][3] and "digits only" in rejected[1][3]
    with open(r.error_report_path, newline="", encoding="utf-8-sig") as fh:
        fh.readline()  # the summary line
        report = list(csv.DictReader(fh))
    assert [(x["row"], x["value"]) for x in report] == [("4", "10002100009412"), ("5", "U-77"), ("6", "")]
    # the values stay out of the message meant for the terminal and the load log
    assert "U-77" not in r.message and "10002100009412" not in r.message


def test_a_gazetteer_csv_with_its_own_column_names_and_the_newer_extract_kept_beside_the_older(tmp_path):
    wh = tmp_path / "costcalc.duckdb"
    head = [c.name for c in load_schemas()["GZ01"].columns]
    for name, date, line in (("old.csv", "2025-03-31", "FLAT 9, 10 HIGH ST"), ("new.csv", "2026-03-31", "FLAT 2")):
        p = tmp_path / name
        with open(p, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(head)
            w.writerow(["100001", line, "10 HIGH STREET", "", "", "TW3 1AA"])
        r = load_file(wh, p, extract_date=date)
        assert (r.status, r.schema_code, r.rows_accepted) == ("loaded", "GZ01", 1), r.message
    assert query(wh, "select count(*) from raw.gz01") == [(2,)]


GZ_YAML = """code: GZ02
name: Another gazetteer
kind: {kind}
columns:
  ref:   {{type: {uprn_type}, mandatory: true}}
  line1: {{type: text, mandatory: true}}
  pc:    {{type: postcode, mandatory: true}}
{extra}natural_key: [ref]
"""


@pytest.mark.parametrize("kind, uprn_type, extra, error", [
    ("gazetteer", "uprn", "", "needs a gazetteer section"),
    ("gazetteer", "text", "gazetteer: {uprn: ref, address: [line1], postcode: pc}\n", "column of type uprn"),
    ("gazetteer", "uprn", "gazetteer: {uprn: ref, address: [pc], postcode: pc}\n", "address line columns"),
    ("gazetteer", "uprn", "gazetteer: {uprn: ref, address: [line1], postcode: line1}\n", "type postcode"),
    ("gazetteer", "uprn", "gazetteer: {uprn: ref, address: [line1], postcode: pc}\nidentity: {surname: line1}\n",
     "describes no person"),
    ("status", "uprn", "gazetteer: {uprn: ref, address: [line1], postcode: pc}\n", "only a schema of kind gazetteer"),
])
def test_a_project_gazetteer_schema_is_checked(tmp_path, kind, uprn_type, extra, error):
    from costcalc.schemas import read_schemas

    (tmp_path / "gz02.yaml").write_text(GZ_YAML.format(kind=kind, uprn_type=uprn_type, extra=extra), encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        read_schemas((tmp_path,))


def test_a_project_gazetteer_schema_of_its_own_loads(tmp_path):
    from costcalc.schemas import read_schemas

    extra = "gazetteer: {uprn: ref, address: [line1], postcode: pc}\n"
    (tmp_path / "gz02.yaml").write_text(GZ_YAML.format(kind="gazetteer", uprn_type="uprn", extra=extra),
                                        encoding="utf-8")
    s = read_schemas((tmp_path,))["GZ02"]
    assert (s.kind, s.is_person, s.gazetteer) == ("gazetteer", False, {"uprn": "ref", "address": ["line1"],
                                                                      "postcode": "pc"})
