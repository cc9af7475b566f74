"""Issue 15 item 2: a file that loaded nothing useful is not "loaded". Real CSV and
.xlsx files, the real loader, `costcalc load` and `costcalc watch --once`."""

from __future__ import annotations

import logging

import duckdb
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.settings import LoadingSettings, SettingsError, load_settings
from loader_helpers import project_settings
from watch_helpers import H01A_HEADERS, files_in, h01a_rows, read_report, write_csv, write_xlsx


def rows_with_bad(n: int, bad: int) -> list[list]:
    rows = h01a_rows(n)
    for r in rows[:bad]:
        r[6] = None  # no date of birth: that row is rejected
    return rows


def load_log(wh) -> list[tuple]:
    with duckdb.connect(str(wh)) as con:
        return con.execute("SELECT source_file, status, rows_read, rows_accepted, rows_rejected "
                           "FROM raw.load_log ORDER BY load_id").fetchall()


def h01a_count(wh) -> int:
    with duckdb.connect(str(wh)) as con:
        return con.execute("SELECT count(*) FROM raw.h01a").fetchone()[0]


def watch_once(wh, drop):
    return CliRunner().invoke(main, ["--warehouse", str(wh), "watch", str(drop), "--once", "--no-build",
                                     "--settle", "0"])


def test_no_accepted_row_is_rejected_by_the_watcher(tmp_path, caplog):
    """As found: a file with 0 rows accepted moved to loaded/, the log said 'loaded', and
    `watch --once` exited 0."""
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    write_xlsx(drop / "housing_needs" / "incoming" / "ta.xlsx", H01A_HEADERS, rows_with_bad(5, 5))
    caplog.set_level(logging.INFO)
    result = watch_once(wh, drop)
    assert result.exit_code == 1
    rejected = drop / "housing_needs" / "rejected"
    assert files_in(rejected) == ["ta.xlsx", "ta.xlsx.errors.csv"]
    assert files_in(drop / "housing_needs" / "loaded") == []
    report = read_report(rejected / "ta.xlsx.errors.csv")
    assert "none of its 5 rows could be loaded" in report[0]["reason"] and report[0]["row"] == ""
    assert len([r for r in report if r["column"] == "dob"]) == 5  # and each bad row, to fix
    assert load_log(wh) == [("ta.xlsx", "rejected", 5, 0, 5)]
    assert "rejected housing_needs/ta.xlsx" in caplog.text and "nothing loaded" in caplog.text


@pytest.mark.parametrize("bad, status", [(3, "rejected"), (2, "loaded")])
def test_more_rejected_rows_than_the_share_rejects_the_whole_file(tmp_path, bad, status):
    wh = tmp_path / "wh.duckdb"
    f = write_csv(tmp_path / "ta.csv", H01A_HEADERS, rows_with_bad(5, bad))
    result = CliRunner().invoke(main, ["--warehouse", str(wh), "load", str(f)])
    assert result.exit_code == (1 if status == "rejected" else 0), result.output
    assert load_log(wh)[0][1] == status
    assert h01a_count(wh) == (0 if status == "rejected" else 3)  # nothing of a rejected file is kept
    if status == "rejected":
        assert "3 of 5 rows have errors, more than the 50% allowed" in result.output


def test_the_share_comes_from_costcalc_yml(tmp_path, monkeypatch):
    project_settings(monkeypatch, tmp_path / "project", "loading:\n  max_rejected_share: 0.7\n")
    assert load_settings().loading.max_rejected_share == 0.7
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    write_csv(drop / "housing_needs" / "incoming" / "ta.csv", H01A_HEADERS, rows_with_bad(5, 3))
    assert watch_once(wh, drop).exit_code == 0
    assert load_log(wh) == [("ta.csv", "loaded", 5, 2, 3)]


def test_defaults_and_bad_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(tmp_path / "none"))
    assert load_settings().loading == LoadingSettings(max_rejected_share=0.5, extract_date_gap_days=45)
    for text, words in [("loading:\n  max_rejected_share: 2\n", "not a number from 0 to 1"),
                        ("loading:\n  max_rejected_shares: 0.2\n", "unknown setting 'max_rejected_shares'"),
                        ("loadin:\n  x: 1\n", "unknown section 'loadin'"),
                        ("loading: [1, 2\n", "not valid YAML")]:
        project_settings(monkeypatch, tmp_path / "p", text)
        with pytest.raises(SettingsError, match=words):
            load_settings()
    f = write_csv(tmp_path / "ta.csv", H01A_HEADERS, h01a_rows(1))
    result = CliRunner().invoke(main, ["--warehouse", str(tmp_path / "wh.duckdb"), "load", str(f)])
    assert result.exit_code == 2 and "not valid YAML" in result.output and "Traceback" not in result.output
    result = watch_once(tmp_path / "wh.duckdb", tmp_path)
    assert result.exit_code == 2 and "not valid YAML" in result.output
