"""``costcalc load``: summary lines, exit codes, and no personal data in the output."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
from click.testing import CliRunner

from costcalc.cli import main
from loader_helpers import allow_rejected_rows

HEAD = ["pin", "address1", "postcode", "ni", "firstname", "surname", "dob", "startdate", "enddate", "cost", "proptype"]


def write(path: Path, rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEAD)
        w.writerows(rows)
    return path


def run(wh: Path, *args: str):
    return CliRunner().invoke(main, ["--warehouse", str(wh), "load", *args], catch_exceptions=False)


def test_summary_line_per_file_and_exit_codes(tmp_path):
    wh = tmp_path / "wh.duckdb"
    good = write(tmp_path / "good.csv", [["P1", "1 High St", "SW1A 1AA", "", "Ann", "Smith", "01/02/1980",
                                          "01/04/2024", "", "10", "B&B"]])
    res = run(wh, str(good))
    assert res.exit_code == 0, res.output
    assert "good.csv: loaded; rows read 1, accepted 1, rejected 0 [H01A]" in res.output
    res = run(wh, str(good))
    assert res.exit_code == 0
    assert "good.csv: unchanged" in res.output and "already loaded" in res.output
    pdf = tmp_path / "scan.xlsx"
    pdf.write_bytes(b"%PDF-1.4 ...")
    res = run(wh, str(good), str(pdf))
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert lines[0].startswith("good.csv: unchanged")
    assert any(x.startswith("scan.xlsx: rejected; rows read 0") and "scan.xlsx.errors.csv" in x for x in lines)
    assert "scan.xlsx: this is a PDF document" in res.output


def test_options_are_passed_through(tmp_path):
    wh = tmp_path / "wh.duckdb"
    f = write(tmp_path / "ta.csv", [["P1", "", "SW1A 1AA", "", "", "Smith", "01/02/1980", "01/04/2024", "", "10", "B&B"]])
    res = run(wh, str(f), "--provider", "someone_else")
    assert res.exit_code == 1 and "may not send Temporary Accommodation files" in res.output
    f.write_text(f.read_text() + "\n")  # a different file (new sha256)
    res = run(wh, str(f), "--schema", "h01a", "--file-type", "temporary_accommodation", "--provider", "housing_needs",
              "--extract-date", "2024-03-31")
    assert res.exit_code == 0, res.output
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("select provider, extract_date from raw.load_log where status='loaded'").fetchall() == [
        ("housing_needs", dt.date(2024, 3, 31))]
    con.close()
    res = run(wh, str(f), "--extract-date", "31/03/2024")
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output


def test_strict_flag(tmp_path):
    wh = tmp_path / "wh.duckdb"
    f = write(tmp_path / "ta.csv", [["P1", "", "SW1A 1AA", "", "", "Smith", "01/02/1980", "01/04/2024", "", "", "B&B"],
                                    ["P2", "", "SW1A 1AA", "", "", "Jones", "01/02/1980", "01/04/2024", "", "", ""]])
    res = run(wh, "--strict", str(f))
    assert res.exit_code == 1
    assert "ta.csv: rejected; rows read 2, accepted 0, rejected 1" in res.output
    assert "row 3, column proptype: 'proptype' is blank; it must be filled in" in res.output


def test_personal_values_never_reach_the_terminal(tmp_path, monkeypatch):
    allow_rejected_rows(monkeypatch, tmp_path)
    wh = tmp_path / "wh.duckdb"
    future = (dt.date.today() + dt.timedelta(days=400)).strftime("%d/%m/%Y")
    secrets = {
        "postcode": "ZZ99 9QQX",
        "ni": "NOTANI12345",
        "dob": future,
        "pin": "PIN-SECRET-77",
        "surname": "Featherstonehaugh",
        "address1": "221B Baker Street",
    }
    rows = [
        ["P1", secrets["address1"], secrets["postcode"], "", "Ann", secrets["surname"], "01/02/1980",
         "01/04/2024", "", "10", "B&B"],
        [secrets["pin"], "", "SW1A 1AA", secrets["ni"], "", "Smith", secrets["dob"], "01/04/2024", "", "10", "B&B"],
        ["P3", "", "SW1A 1AA", "", "", "Smith", "01/02/1980", "01/04/2024", "", "lots", "B&B"],
        ["P4", "", "SW1A 1AA", "", "", "Smith", "01/02/1980", "01/04/2024", "", "10", "B&B"],  # one good row
    ]
    f = write(tmp_path / "ta.csv", rows)
    res = run(wh, str(f))
    assert res.exit_code == 0
    out = res.output
    assert "row 2, column postcode: not a UK postcode\n" in out
    assert "row 3, column ni: not a National Insurance number" in out
    assert "row 3, column dob: date of birth is in the future\n" in out
    assert "row 4, column cost: not an amount of money (expected e.g. 1234.56 or £1,234.56)\n" in out
    assert "lots" not in out  # no value of any column, personal or not (a shifted row moves them)
    for value in secrets.values():
        assert value not in out
    assert future[-4:] not in out  # not even the year of the date of birth
    # ...but the provider's report and the restricted raw table keep them
    report = (tmp_path / "ta.csv.errors.csv").read_text(encoding="utf-8-sig")
    for key in ("postcode", "ni", "dob"):
        assert secrets[key] in report
    con = duckdb.connect(str(wh), read_only=True)
    values = {v for (v,) in con.execute("select value from raw.rejected_rows").fetchall()}
    con.close()
    assert {secrets["postcode"], secrets["ni"], secrets["dob"]} <= values


def test_no_progress_bar_without_a_terminal(tmp_path):
    wh = tmp_path / "wh.duckdb"
    f = write(tmp_path / "ta.csv", [["P1", "", "SW1A 1AA", "", "", "Smith", "01/02/1980", "01/04/2024", "", "10", "B&B"]])
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "load", str(f)])
    assert "loading ta.csv" not in res.output
