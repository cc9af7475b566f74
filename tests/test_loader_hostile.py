"""Hostile and mistaken cells (issue 10, items 3, 4, 7 and 11): numbers no column can
hold, Excel error cells, implausible dates, a shifted row, invisible characters.

Every test loads a real CSV or .xlsx (openpyxl, or raw sheet XML) into a real DuckDB
warehouse and checks what landed, what was rejected and why, and what was printed.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import describe_error, load_file
import watch_helpers
from loader_helpers import allow_rejected_rows, query


@pytest.fixture(autouse=True)
def _mostly_bad_files_load(monkeypatch, tmp_path):
    """These files are mostly bad rows on purpose: only a file with no good row is
    rejected whole here (the share rule has tests of its own, test_loader_whole_file.py)."""
    allow_rejected_rows(monkeypatch, tmp_path)

HEAD = ["pin", "postcode", "surname", "dob", "residents", "startdate", "enddate", "cost", "proptype"]
GOOD = ["P1", "SW1A 1AA", "Smith", "03/02/1985", "2", "01/04/2024", "30/04/2024", "100.00", "B&B"]


def row(**cells) -> list:
    out = list(GOOD)
    for k, v in cells.items():
        out[HEAD.index(k)] = v
    return out


def write_csv(path: Path, rows: list[list], head=HEAD) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], head=HEAD) -> Path:
    return watch_helpers.write_xlsx(path, head, rows)


def rejected(wh: Path) -> list[tuple]:
    return query(wh, "SELECT source_row, column_name, value, reason FROM raw.rejected_rows ORDER BY source_row")


def report_rows(path: Path) -> list[list[str]]:
    with open(path.with_name(path.name + ".errors.csv"), encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


# --------------------------------------------------------------- item 3: huge numbers

@pytest.mark.parametrize("column,cell,reason", [
    ("cost", "1" * 30, "amount too large"),
    ("cost", "9" * 5000, "amount too large"),
    ("cost", "£" + "9" * 15 + ".00", "amount too large"),
    ("cost", "99999999999999.99999", "amount too large"),  # rounds past DECIMAL(18,4)
    ("residents", "9" * 5000, "number too large"),
    ("residents", "9" * 5000 + ".0", "number too large"),
    ("residents", "9223372036854775808", "number too large"),
    ("cost", "NaN", "not an amount of money"),
    ("cost", "inf", "not an amount of money"),
    ("cost", "-Infinity", "not an amount of money"),
    ("residents", "nan", "not a whole number"),
    ("cost", "1e400", "not an amount of money"),
])
def test_numbers_no_column_can_hold_reject_only_their_row(tmp_path, column, cell, reason):
    wh = tmp_path / "wh.duckdb"
    f = write_csv(tmp_path / "ta.csv", [GOOD, row(**{column: cell}), row(pin="P3")])
    r = load_file(wh, f)
    assert (r.status, r.rows_read, r.rows_accepted, r.rows_rejected) == ("loaded", 3, 2, 1)
    [(src, col, _value, why)] = rejected(wh)
    assert (src, col) == (3, column) and why.startswith(reason)
    assert query(wh, "SELECT count(*) FROM raw.load_log WHERE status = 'loaded'") == [(1,)]


def test_largest_amount_that_fits_is_kept(tmp_path):
    wh = tmp_path / "wh.duckdb"
    f = write_csv(tmp_path / "ta.csv", [row(cost="99999999999999.9999"), row(cost="-99,999,999,999,999.9999")])
    r = load_file(wh, f)
    assert r.rows_accepted == 2
    assert {str(v) for (v,) in query(wh, "SELECT cost FROM raw.h01a")} == {"99999999999999.9999",
                                                                            "-99999999999999.9999"}


def test_1e300_in_an_xlsx_cell_rejects_its_row(tmp_path):
    wh = tmp_path / "wh.duckdb"
    big = row(cost=1e300)
    huge_int = row(residents=1e300, pin="P3")
    f = write_xlsx(tmp_path / "ta.xlsx", [GOOD, big, huge_int])
    r = load_file(wh, f)
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 1, 2)
    reasons = {(s, c): why for s, c, _v, why in rejected(wh)}
    assert reasons[(3, "cost")].startswith("amount too large")
    assert reasons[(4, "residents")] == "number too large"


def test_the_watched_folder_gets_a_loaded_file_not_an_InvalidOperation(tmp_path):
    """The CLI: a summary line and the reason, no traceback, exit code 0."""
    wh = tmp_path / "wh.duckdb"
    f = write_csv(tmp_path / "ta.csv", [GOOD, row(cost="1" * 30)])
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "load", str(f)])
    assert res.exit_code == 0, res.output
    assert "row 3, column cost: amount too large" in res.output
    assert "InvalidOperation" not in res.output and "Traceback" not in res.output


# ------------------------------------------------------------ item 4: Excel error cells

ERRORS = ["#REF!", "#VALUE!", "#DIV/0!", "#N/A", "#NAME?", "#NUM!", "#NULL!"]


@pytest.mark.parametrize("error", ERRORS)
def test_excel_error_text_in_a_csv_is_rejected_in_typed_and_mandatory_columns(tmp_path, error):
    wh = tmp_path / "wh.duckdb"
    cols = ["cost", "residents", "startdate", "enddate", "dob", "postcode", "surname", "proptype"]
    rows = [GOOD] + [row(**{c: error}, pin=f"P{i}") for i, c in enumerate(cols)] + [row(pin="OK")]
    f = write_csv(tmp_path / "ta.csv", rows)
    r = load_file(wh, f)
    assert (r.rows_accepted, r.rows_rejected) == (2, len(cols))
    got = {(c, why) for _s, c, _v, why in rejected(wh)}
    assert got == {(c, f"Excel error {error} in cell") for c in cols}


def test_excel_error_in_an_optional_text_column_is_kept_as_written(tmp_path):
    wh = tmp_path / "wh.duckdb"
    head = HEAD + ["propsubtype"]
    f = write_csv(tmp_path / "ta.csv", [GOOD + ["#REF!"]], head)
    assert load_file(wh, f).rows_accepted == 1
    assert query(wh, "SELECT propsubtype FROM raw.h01a") == [("#REF!",)]


@pytest.mark.parametrize("engine", ["auto", "openpyxl"])
def test_real_error_cells_of_an_xlsx_are_rejected_not_read_as_blank(tmp_path, monkeypatch, engine):
    """openpyxl writes '#REF!' and the like as error cells (t="e"): calamine read them as ''."""
    monkeypatch.setattr("costcalc.ingest.readers.XLSX_ENGINE", engine)
    wh = tmp_path / "wh.duckdb"
    rows = [GOOD, row(cost="#REF!", pin="P2"), row(cost="#DIV/0!", pin="P3"), row(startdate="#VALUE!", pin="P4"),
            row(surname="#N/A", pin="P5"), row(residents="#NUM!", pin="P6"), row(pin="OK")]
    f = write_xlsx(tmp_path / "ta.xlsx", rows)
    xml = zipfile.ZipFile(f).read("xl/worksheets/sheet1.xml")
    assert xml.count(b't="e"') == 5  # real error cells
    r = load_file(wh, f)
    assert (r.rows_accepted, r.rows_rejected) == (2, 5)
    assert [(s, c, why) for s, c, _v, why in rejected(wh)] == [
        (3, "cost", "Excel error #REF! in cell"), (4, "cost", "Excel error #DIV/0! in cell"),
        (5, "startdate", "Excel error #VALUE! in cell"), (6, "surname", "Excel error #N/A in cell"),
        (7, "residents", "Excel error #NUM! in cell")]
    assert query(wh, "SELECT sum(cost) FROM raw.h01a") == [(200,)]


def test_error_cells_with_formulas_and_a_namespace_prefix_are_text():
    from costcalc.ingest.readers import error_cells_as_text
    xml = (b'<x:row r="2"><x:c r="A2" s="1" t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>'
           b'<x:c r="B2" t="e"/><x:c r="C2"><x:v>3</x:v></x:c></x:row>')
    out = error_cells_as_text(xml)
    assert b'<x:c r="A2" s="1" t="inlineStr"><x:is><x:t>#DIV/0!</x:t></x:is></x:c>' in out
    assert b'<x:c r="B2" t="e"/>' in out  # an empty error cell stays (no value to show)
    assert b'<x:c r="C2"><x:v>3</x:v></x:c>' in out


# ------------------------------------------------------------ item 4: implausible dates

def test_an_end_date_a_century_away_is_rejected(tmp_path):
    wh = tmp_path / "wh.duckdb"
    f = write_csv(tmp_path / "ta.csv", [GOOD, row(enddate="30/04/2125", pin="P2")])
    r = load_file(wh, f, extract_date=dt.date(2024, 5, 31))
    assert (r.rows_accepted, r.rows_rejected) == (1, 1)
    [(src, col, value, why)] = rejected(wh)
    assert (src, col, value) == (3, "enddate", "30/04/2125")
    assert why == "date too far in the future (after 31/05/2034, more than 10 years after the extract date)"


def test_the_date_window_follows_the_extract_date_and_its_floor(tmp_path):
    wh = tmp_path / "wh.duckdb"
    rows = [row(enddate="31/05/2034", pin="EDGE"),       # extract date + 10 years: kept
            row(enddate="01/06/2034", pin="LATE"),       # a day later: rejected
            row(startdate="31/12/1949", enddate="", pin="EARLY"),  # before the floor
            row(dob="01/06/1904", pin="OLD"),            # 120 years before the extract date: kept
            row(dob="30/05/1904", pin="OLDER")]          # more than 120 years: rejected
    f = write_csv(tmp_path / "ta.csv", rows)
    r = load_file(wh, f, extract_date="2024-05-31")
    assert sorted(p for (p,) in query(wh, "SELECT pin FROM raw.h01a")) == ["EDGE", "OLD"]
    reasons = {c: why for _s, c, _v, why in rejected(wh)}
    assert reasons["startdate"] == "date too early (before 01/01/1950)"
    assert reasons["dob"] == "date of birth more than 120 years before the extract date (before 31/05/1904)"
    assert r.rows_rejected == 3


def test_the_window_is_configured_in_schemas_limits_yaml(tmp_path):
    from costcalc.schemas import load_date_limits

    (tmp_path / "limits.yaml").write_text(
        "dates:\n  max_years_after_extract: 1\n  earliest: 2000-01-01\n  max_age_years: 100\n")
    limits = load_date_limits(tmp_path)
    assert limits.latest_service_date(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert limits.earliest == dt.date(2000, 1, 1) and limits.max_age_years == 100
    default = load_date_limits()  # schemas/limits.yaml
    assert (default.max_years_after_extract, default.earliest, default.max_age_years) == (
        10, dt.date(1950, 1, 1), 120)


# ------------------------------------------------------------ item 7: a shifted row

def test_a_shifted_row_prints_no_value_of_any_column(tmp_path):
    """An unquoted comma in an address moves the date of birth under 'residents'."""
    wh = tmp_path / "wh.duckdb"
    head = ["pin", "address1", "postcode", "surname", "dob", "residents", "startdate", "enddate", "cost",
            "proptype", "frequency_note"]
    good = ["P1", "12 High St", "SW1A 1AA", "Smith", "03/02/1985", "2", "01/04/2024", "30/04/2024", "100",
            "B&B", "x"]
    f = tmp_path / "ta.csv"
    lines = [",".join(head), ",".join(good),
             # the address '14, Low Road' written without quotes: every cell after it moves right
             "P2,14, Low Road,SW1A 1AA,Jones,17/09/1972,3,01/04/2024,30/04/2024,100,B&B"]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "load", str(f)])
    out = res.output
    assert "row 3" in out and "column residents: not a whole number" in out
    for secret in ("17/09/1972", "1972", "Jones", "Low Road", "SW1A"):
        assert secret not in out
    # The provider's own report keeps them.
    report = (tmp_path / "ta.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert "17/09/1972" in report


def test_describe_error_never_shows_a_value():
    from costcalc.ingest.validate import CellError
    e = CellError(4, "frequency", "Quarterly", "unknown frequency 'Quarterly' (known: Daily)", False)
    assert describe_error(e) == "row 4, column frequency: unknown frequency (see the error report) (known: Daily)"
    e = CellError(5, "residents", "03/02/1985", "not a whole number", False)
    assert "03/02/1985" not in describe_error(e)


# ------------------------------------------------ item 11: invisible "blank" surnames

@pytest.mark.parametrize("blank", ["\u200b", "\u200b\u200b", " \u200c ", "\u00a0", "\ufeff", "\u2060\u200d",
                                   "\u00ad"])
def test_a_surname_of_only_invisible_characters_is_blank(tmp_path, blank):
    wh = tmp_path / "wh.duckdb"
    f = write_csv(tmp_path / "ta.csv", [GOOD, row(surname=blank, pin="P2")])
    r = load_file(wh, f)
    assert (r.rows_accepted, r.rows_rejected) == (1, 1)
    assert rejected(wh)[0][3] == "'surname' is blank; it must be filled in"


def test_invisible_characters_in_an_xlsx_surname_are_blank(tmp_path):
    wh = tmp_path / "wh.duckdb"
    f = write_xlsx(tmp_path / "ta.xlsx", [GOOD, row(surname="\u200b", pin="P2"), row(surname=12, pin="P3")])
    r = load_file(wh, f)
    assert (r.rows_accepted, r.rows_rejected) == (2, 1)
    assert rejected(wh)[0][:2] == (3, "surname")


# --------------------------------------------------- item 11: NUL bytes and UTF-16

@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_nul_byte_after_the_first_8_kb_rejects_the_file_and_is_never_stored(tmp_path, bom):
    wh = tmp_path / "wh.duckdb"
    lines = [",".join(HEAD)] + [",".join(row(pin=f"P{i}")) for i in range(400)]
    text = ("\n".join(lines) + "\n").encode()
    assert len(text) > 3 * 8192
    at = text.index(b"P300")
    f = tmp_path / "ta.csv"
    f.write_bytes(bom + text[:at] + b"P3\x0000" + text[at + 4:])
    r = load_file(wh, f)
    assert r.status == "rejected"
    assert "a NUL byte (binary data) at byte" in r.message and "ta.csv" in r.message
    assert query(wh, "SELECT status, rows_accepted FROM raw.load_log") == [("rejected", 0)]
    assert not any("\x00" in (v or "") for (v,) in query(wh, "SELECT value FROM raw.rejected_rows"))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_named(tmp_path, codec):
    wh = tmp_path / "wh.duckdb"
    text = "\r\n".join([",".join(HEAD), ",".join(GOOD), ",".join(row(surname="Łukasz"))]) + "\r\n"
    f = tmp_path / "ta.csv"
    f.write_bytes(text.encode(codec))
    r = load_file(wh, f)
    assert r.status == "rejected"
    assert r.message == "ta.csv: UTF-16 without a byte-order mark: save it as 'CSV UTF-8'"


def test_the_watcher_logs_no_value_of_a_shifted_row(tmp_path, caplog):
    import logging

    from costcalc.watch.folder import Watcher

    caplog.set_level(logging.DEBUG)
    drop = tmp_path / "drop"
    incoming = drop / "housing_needs" / "incoming"
    incoming.mkdir(parents=True)
    head = ["pin", "address1", "postcode", "surname", "dob", "residents", "startdate", "enddate", "cost",
            "proptype", "note"]
    (incoming / "ta.csv").write_text(
        ",".join(head) + "\n"
        + "P1,12 High St,SW1A 1AA,Smith,03/02/1985,2,01/04/2024,30/04/2024,100,B&B,x\n"
        + "P2,14, Low Road,SW1A 1AA,Jones,17/09/1972,3,01/04/2024,30/04/2024,100,B&B\n", encoding="utf-8")
    Watcher(drop, tmp_path / "wh.duckdb", settle=0, build=False).run_once()
    assert "1 rejected" in caplog.text
    for secret in ("17/09/1972", "1972", "Jones", "Low Road", "SW1A"):
        assert secret not in caplog.text
