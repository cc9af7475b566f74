"""Enough to identify a person (issue 14): a schema's ``identified_by`` combinations,
read from real YAML, checked by the loader on real spreadsheets and CSV files landed
in a real DuckDB warehouse (raw rows, raw.rejected_rows, the provider's error report
and the terminal's lines)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest import identifiers
from costcalc.ingest.landing import error_report_path, load_file
from costcalc.paths import SCHEMAS_DIR
from costcalc.schemas import load_schemas, read_schemas
from loader_helpers import allow_rejected_rows
from watch_helpers import write_xlsx

NHS = "9434765919"  # a valid NHS number (modulus 11)
NI = "AB123456C"  # a well-formed NI number

HEAD = ["NI Number", "Surname", "First Name", "Date of Birth", "Post Code", "NHS Number",
        "Start Date", "End Date", "Cost", "Service Description"]


def row(ni=None, surname=None, dob=None, nhs=None, postcode=None, firstname=None):
    return [ni, surname, firstname, dob, postcode, nhs, dt.datetime(2024, 4, 1), None, 25, "DHP award"]


def query(wh: Path, sql: str):
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql).fetchall()


def report_lines(path: Path) -> list[dict]:
    with open(error_report_path(path), newline="", encoding="utf-8-sig") as fh:
        fh.readline()
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------ the declarations

def test_the_six_schemas_default_to_their_mandatory_surname_dob_and_postcode():
    schemas = load_schemas()
    for code in ("H01A", "ASC01", "RB01", "RB03", "TF01", "GS00"):
        assert schemas[code].identified_by == (("surname", "dob", "postcode"),), code
    assert schemas["GS01"].identified_by == (("surname", "dob"), ("nhs_number",), ("ni_number", "surname"))


def _schema_dir(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "schemas"
    d.mkdir()
    for f in ("frequencies.yaml", "limits.yaml"):
        shutil.copy(SCHEMAS_DIR / f, d / f)
    (d / "x01.yaml").write_text(text, encoding="utf-8")
    return d


X01 = """code: X01
name: Test
kind: status
description: x
columns:
  ref:     {{type: text, mandatory: true}}
  surname: {{type: text}}
  dob:     {{type: date}}
  nino:    {{type: ni_number}}
  uprn:    {{type: text}}
identity: {identity}
natural_key: [ref]
{extra}"""


def test_a_schema_without_a_person_needs_no_identifiers(tmp_path):
    d = _schema_dir(tmp_path, X01.format(identity="{}", extra=""))
    assert read_schemas((d,))["X01"].identified_by == ()


def test_a_schema_whose_identity_columns_are_optional_has_no_default_requirement(tmp_path):
    d = _schema_dir(tmp_path, X01.format(identity="{surname: surname, dob: dob}", extra=""))
    assert read_schemas((d,))["X01"].identified_by == ()


@pytest.mark.parametrize("extra,message", [
    ("identified_by: [surname, dob]\n", "must be a list of combinations"),
    ("identified_by: []\n", "must be a list of combinations"),
    ("identified_by: [[]]\n", "must be a list of combinations"),
    ("identified_by: [[surname, uprn]]\n", "'uprn' is not one of"),
    ("identified_by: [[nhs_number]]\n", "'nhs_number' is not in the schema's identity"),
])
def test_a_malformed_identified_by_refuses_the_schema(tmp_path, extra, message):
    d = _schema_dir(tmp_path, X01.format(identity="{surname: surname, dob: dob, ni_number: nino}", extra=extra))
    with pytest.raises(ValueError, match=message):
        read_schemas((d,))


# ------------------------------------------------------------------ rows, by combination

@pytest.fixture
def wh(tmp_path, monkeypatch) -> Path:
    allow_rejected_rows(monkeypatch, tmp_path)
    return tmp_path / "wh" / "costcalc.duckdb"


def test_rows_are_accepted_or_rejected_by_combination_with_a_clear_message(tmp_path, wh):
    path = write_xlsx(tmp_path / "dhp_2024-04.xlsx", HEAD, [
        row(ni=NI, surname="Ormerod"),                                 # 2: NI number and surname
        row(surname="Sowerby", dob=dt.datetime(1952, 12, 1)),          # 3: surname and date of birth
        row(nhs=NHS),                                                  # 4: NHS number alone
        row(ni=NI),                                                    # 5: NI number without surname
        row(ni="QQ123456C", surname="Ackroyd"),                        # 6: the forms' example NI number
        row(ni="TN010180M", surname="Ackroyd"),                        # 7: a temporary (placeholder) NI number
        row(surname="Unknown", dob=dt.datetime(1970, 1, 1)),           # 8: a placeholder surname counts as given
        row(postcode="LS1 1AA", firstname="Anna"),                     # 9: nothing that identifies
        row(surname="Pickersgill", postcode="LS1 1AA"),                # 10: surname without dob or numbers
    ])
    res = load_file(wh, path, file_type="dhp_awards", provider="revenues_benefits",
                    extract_date="2024-04-30")
    assert (res.status, res.rows_read, res.rows_accepted, res.rows_rejected) == ("loaded", 9, 4, 5)
    assert [r[0] for r in query(wh, "select _source_row from raw.gs01 order by 1")] == [2, 3, 4, 8]
    options = ("fill in 'Surname' and 'Date of Birth', or a valid 'NHS Number', "
               "or a valid 'NI Number' and 'Surname'")
    rejected = query(wh, "select source_row, column_name, value, reason from raw.rejected_rows order by 1")
    assert rejected == [
        (5, "surname", None, f"not enough to identify the person: {options}"),
        (6, "ni", "QQ123456C", "'NI Number' cannot identify the person (an example, temporary or "
                               f"placeholder number); {options}"),
        (7, "ni", "TN010180M", "'NI Number' cannot identify the person (an example, temporary or "
                               f"placeholder number); {options}"),
        (9, "nhsno", None, f"not enough to identify the person: {options}"),
        (10, "dob", None, f"not enough to identify the person: {options}"),
    ]
    # the provider's report names their header and may show their own value
    lines = {int(r["row"]): r for r in report_lines(path)}
    assert set(lines) == {5, 6, 7, 9, 10}
    assert "QQ123456C" in "".join(lines[6].values())
    assert "NI Number" in "".join(lines[6].values())


def test_the_terminal_names_row_and_column_but_never_the_value(tmp_path, wh):
    path = tmp_path / "dhp.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["NI Number", "Surname", "Start Date", "Cost", "Service Description"])
        w.writerow([NI, "Ormerod", "01/04/2024", "25", "DHP award"])
        w.writerow(["QQ 12 34 56 C", "Blenkinsop", "01/04/2024", "25", "DHP award"])
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "load", "--file-type", "dhp_awards",
                                    "--provider", "revenues_benefits", "--extract-date", "2024-04-30", str(path)])
    out = res.output
    assert res.exit_code == 0, out
    assert "row 3, column NI Number: 'NI Number' cannot identify the person" in out
    for personal in ("QQ", "123456", "Blenkinsop", "Ormerod"):
        assert personal not in out
    assert query(wh, "select ni, surname from raw.gs01") == [(NI, "Ormerod")]


def test_a_file_whose_columns_cannot_identify_anyone_is_refused_naming_them(tmp_path, wh):
    path = write_xlsx(tmp_path / "dhp_no_names.xlsx", ["NI Number", "Start Date", "Cost", "Service Description"],
                      [[NI, dt.datetime(2024, 4, 1), 25, "DHP award"]])
    res = load_file(wh, path, file_type="dhp_awards", provider="revenues_benefits")
    assert res.status == "rejected"
    assert res.message.endswith("missing 'Last Name'")  # the header GS00 files are asked for, too
    assert query(wh, "select count(*) from raw.load_log where status = 'loaded'") == [(0,)]


def test_gs00_still_requires_surname_dob_and_postcode(tmp_path, wh):
    path = write_xlsx(tmp_path / "gs.xlsx", ["NI Number", "Surname", "Date of Birth", "Post Code", "Start Date",
                                             "Cost", "Cost Frequency", "Service Description"],
                      [[NI, "Ormerod", None, None, dt.datetime(2024, 4, 1), 25, "Weekly", "x"],
                       [NI, "Ormerod", dt.datetime(1975, 5, 5), "WF1 1AA", dt.datetime(2024, 4, 1), 25, "Weekly", "x"]])
    res = load_file(wh, path, file_type="general_service", provider="anyone", extract_date="2024-04-30")
    assert (res.rows_accepted, res.rows_rejected) == (1, 1)
    reasons = [r[0] for r in query(wh, "select reason from raw.rejected_rows order by column_name")]
    assert reasons == ["'Date of Birth' is blank; it must be filled in", "'Post Code' is blank; it must be filled in"]


# ------------------------------------------------------------------ the rule itself

@pytest.mark.parametrize("value,usable", [
    (NHS, True), ("9434765918", False), ("0000000000", False), ("4444444444", False), (None, False),
])
def test_nhs_numbers_count_only_when_matching_can_use_them(value, usable):
    assert identifiers.usable_number("nhs_number", value) is usable


@pytest.mark.parametrize("value,usable", [
    (NI, True), ("AB123456", True), ("QQ123456C", False), ("TN010180M", False), ("AB000000C", False),
    ("GB123456A", False), ("DA123456A", False), ("ab123456c", True), (None, False),
])
def test_ni_numbers_count_only_when_matching_can_use_them(value, usable):
    assert identifiers.usable_number("ni_number", value) is usable


def test_a_gs00_file_without_postcodes_is_not_taken_for_gs01(tmp_path, wh):
    """GS01's headers are GS00's: without a file type, a GS00 file lacking a postcode
    column is refused as before, never loaded as discretionary housing payments."""
    path = write_xlsx(tmp_path / "gs.xlsx", ["Surname", "Date of Birth", "Start Date", "Cost", "Cost Frequency",
                                             "Service Description"],
                      [["Ormerod", dt.datetime(1975, 5, 5), dt.datetime(2024, 4, 1), 25, "Weekly", "x"]])
    res = load_file(wh, path)
    assert res.status == "rejected" and "missing 'Post Code'" in res.message
    assert load_file(wh, path, schema="GS01", extract_date="2024-04-30").status == "loaded"
    assert query(wh, "select file_type from raw.load_log where status = 'loaded'") == [("dhp_awards",)]
