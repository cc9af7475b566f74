"""Issue 15 item 4: the extract date of a dropped file. Real files, the real loader and
watcher, a real DuckDB warehouse (and an old-layout raw.load_log migrated in place)."""

from __future__ import annotations

import datetime as dt
import logging

import duckdb
import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.extract_date import date_in_name
from costcalc.ingest.landing import load_file
from costcalc.watch.folder import Watcher
from watch_helpers import H01A_HEADERS, files_in, h01a_rows, write_csv

TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("name, expected", [
    ("ta_2026-03-31.xlsx", dt.date(2026, 3, 31)),
    ("ta_20260331.csv", dt.date(2026, 3, 31)),
    ("TA return 31-03-2026 final.xlsx", dt.date(2026, 3, 31)),
    ("ta 31.03.2026.csv", dt.date(2026, 3, 31)),
    ("ta_2026_03_31.csv", dt.date(2026, 3, 31)),
    ("ta_03-31-2026.csv", None),  # US order: never read (there is no month 31)
    ("ta_2026-02-30.csv", None),  # not a real date
    ("ta_2026-03-31_to_2026-06-30.csv", None),  # two dates: ambiguous, neither taken
    ("ta_2027-01-01.csv", None),  # in the future
    ("ta_v2.csv", None),
    ("ta_12345678.csv", None),
    ("ta_2026-03-31_2026-03-31.csv", dt.date(2026, 3, 31)),  # the same date twice is one date
])
def test_date_in_file_name(name, expected):
    assert date_in_name(name, TODAY) == expected


def log_rows(wh) -> list[tuple]:
    with duckdb.connect(str(wh)) as con:
        return con.execute("SELECT source_file, status, extract_date, extract_date_source, warning "
                           "FROM raw.load_log ORDER BY load_id").fetchall()


def recent_rows(n: int, start: int = 0, day: dt.date | None = None) -> list[list]:
    rows = h01a_rows(n, start)
    for r in rows:
        r[8] = day or dt.date.today() - dt.timedelta(days=10)  # start dates: recent data
    return rows


def test_watcher_takes_the_extract_date_from_name_sidecar_folder_then_drop_date(tmp_path, caplog):
    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    hn = drop / "housing_needs"
    inc = hn / "incoming"
    day = dt.date.today() - dt.timedelta(days=20)
    write_csv(inc / f"a_{day:%Y-%m-%d}.csv", H01A_HEADERS, recent_rows(1, 0))
    write_csv(inc / "b.csv", H01A_HEADERS, recent_rows(1, 10))
    (inc / "b.csv.extract-date").write_text(f"{day - dt.timedelta(days=1)}\n")
    write_csv(inc / "temporary_accommodation" / "c.csv", H01A_HEADERS, recent_rows(1, 20))
    (inc / "temporary_accommodation" / "c.csv.meta.yml").write_text(
        f"extract_date: {day - dt.timedelta(days=2)}\n")
    caplog.set_level(logging.INFO)
    assert Watcher(drop, wh, settle=0, build=False).run_once() == 0
    got = {r[0]: r[1:4] for r in log_rows(wh)}
    assert got == {f"a_{day:%Y-%m-%d}.csv": ("loaded", day, "file name"),
                   "b.csv": ("loaded", day - dt.timedelta(days=1), "sidecar"),
                   "c.csv": ("loaded", day - dt.timedelta(days=2), "sidecar")}
    assert files_in(hn / "loaded") == sorted([f"a_{day:%Y-%m-%d}.csv", "b.csv", "b.csv.extract-date",
                                              "c.csv", "c.csv.meta.yml"])
    assert f"extract date {day} (file name)" in caplog.text

    # The provider folder's setting, then the drop date (with a warning).
    (hn / "costcalc.yml").write_text(f"extract_date: {day - dt.timedelta(days=3)}\n")
    write_csv(inc / "d.csv", H01A_HEADERS, recent_rows(1, 30))
    assert Watcher(drop, wh, settle=0, build=False).run_once() == 0
    (hn / "costcalc.yml").unlink()
    write_csv(inc / "e.csv", H01A_HEADERS, recent_rows(1, 40))
    caplog.clear()
    assert Watcher(drop, wh, settle=0, build=False).run_once() == 0
    got = {r[0]: r[1:] for r in log_rows(wh)}
    assert got["d.csv"][:3] == ("loaded", day - dt.timedelta(days=3), "folder")
    assert got["e.csv"][:3] == ("loaded", dt.date.today(), "drop date")
    assert "the drop date" in got["e.csv"][3] and got["d.csv"][3] is None
    [line] = [r for r in caplog.records if "housing_needs/e.csv" in r.getMessage()]
    assert line.levelname == "WARNING" and "no extract date was found" in line.getMessage()


def test_drop_date_far_beyond_the_data_warns_loudly(tmp_path, caplog):
    """As found: two small TA files dropped without a date moved the TA extract date from
    2026-03-31 to the drop date, extending every ongoing placement."""
    wh, drop = tmp_path / "wh.duckdb", tmp_path / "drop"
    march = dt.date.today() - dt.timedelta(days=200)
    f = write_csv(tmp_path / "ta_full.csv", H01A_HEADERS, recent_rows(5, 0, day=march - dt.timedelta(days=30)))
    result = CliRunner().invoke(main, ["--warehouse", str(wh), "load", str(f), "--extract-date", str(march)])
    assert result.exit_code == 0 and "warning" not in result.output
    write_csv(drop / "housing_needs" / "incoming" / "small.csv", H01A_HEADERS,
              recent_rows(2, 50, day=march - dt.timedelta(days=5)))
    caplog.set_level(logging.INFO)
    assert Watcher(drop, wh, settle=0, build=False).run_once() == 0
    rows = log_rows(wh)
    assert rows[0][2:] == (march, "given", None)
    name, status, date, source, warning = rows[1]
    assert (date, source) == (dt.date.today(), "drop date")
    assert f"moves the latest extract date of temporary_accommodation from {march}" in warning
    assert "moves the latest extract date" in caplog.text
    # An extract date given for the same data does not warn; one within the gap neither.
    g = write_csv(tmp_path / "ta_again.csv", H01A_HEADERS, recent_rows(3, 60, day=march))
    result = CliRunner().invoke(main, ["--warehouse", str(wh), "load", str(g), "--extract-date",
                                       str(march + dt.timedelta(days=40))])
    assert result.exit_code == 0 and "warning" not in result.output


def test_given_extract_date_overrides_the_file_name(tmp_path):
    wh = tmp_path / "wh.duckdb"
    day = dt.date.today() - dt.timedelta(days=5)
    f = write_csv(tmp_path / f"ta_{day:%Y%m%d}.csv", H01A_HEADERS, recent_rows(2))
    result = CliRunner().invoke(main, ["--warehouse", str(wh), "load", str(f)])
    assert result.exit_code == 0, result.output
    g = write_csv(tmp_path / f"tb_{day:%Y%m%d}.csv", H01A_HEADERS, recent_rows(2, 10))
    result = CliRunner().invoke(main, ["--warehouse", str(wh), "load", str(g), "--extract-date",
                                       str(day - dt.timedelta(days=1))])
    assert result.exit_code == 0, result.output
    assert [r[2:4] for r in log_rows(wh)] == [(day, "file name"), (day - dt.timedelta(days=1), "given")]


def test_old_load_log_is_migrated(tmp_path):
    """A warehouse made before raw.load_log had extract_date_source and warning."""
    wh = tmp_path / "wh.duckdb"
    with duckdb.connect(str(wh)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("""CREATE TABLE raw.load_log (load_id BIGINT PRIMARY KEY, source_file VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL, schema_code VARCHAR, file_type VARCHAR, provider VARCHAR,
            extract_date DATE, rows_read BIGINT, rows_accepted BIGINT, rows_rejected BIGINT,
            status VARCHAR NOT NULL, message VARCHAR, loaded_at TIMESTAMP NOT NULL)""")
        con.execute("INSERT INTO raw.load_log VALUES (1, 'old.csv', 'x', 'H01A', 'temporary_accommodation', "
                    "NULL, DATE '2026-03-31', 1, 1, 0, 'loaded', 'ok', TIMESTAMP '2026-04-01 09:00:00')")
    r = load_file(wh, write_csv(tmp_path / "ta.csv", H01A_HEADERS, recent_rows(1)), extract_date="2026-11-01")
    assert r.status == "loaded" and r.load_id == 2
    rows = log_rows(wh)
    assert rows[0][3:] == (None, None) and rows[1][3] == "given"


def test_old_load_log_is_migrated_on_postgres(tmp_path):
    """The same migration on the PostgreSQL engine (a server is required under make test)."""
    import uuid

    from helpers.e2e_demo import target_env
    from helpers.postgres import admin as _admin, server_or_skip

    server_or_skip()
    db = f"costcalc_test_{uuid.uuid4().hex[:10]}"
    _admin(f"CREATE DATABASE {db}")
    try:
        _admin("CREATE SCHEMA raw", db)
        _admin("""CREATE TABLE raw.load_log (load_id BIGINT PRIMARY KEY, source_file VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL, schema_code VARCHAR, file_type VARCHAR, provider VARCHAR,
            extract_date DATE, rows_read BIGINT, rows_accepted BIGINT, rows_rejected BIGINT,
            status VARCHAR NOT NULL, message VARCHAR, loaded_at TIMESTAMP NOT NULL)""", db)
        _admin("INSERT INTO raw.load_log VALUES (1, 'old.csv', 'x', 'H01A', 'temporary_accommodation', "
               "NULL, DATE '2026-03-31', 1, 1, 0, 'loaded', 'ok', TIMESTAMP '2026-04-01 09:00:00')", db)
        f = write_csv(tmp_path / "ta.csv", H01A_HEADERS, recent_rows(1))
        with target_env("postgres", COSTCALC_PG_DATABASE=db):
            r = load_file(tmp_path / "unused.duckdb", f, extract_date="2026-11-01")
        assert r.status == "loaded" and r.load_id == 2
        rows = _admin("SELECT load_id, extract_date_source, warning FROM raw.load_log ORDER BY load_id", db)
        assert [tuple(x) for x in rows] == [(1, None, None), (2, "given", None)]
    finally:
        _admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def test_dates_of_birth_do_not_count_as_the_datas_newest_date(tmp_path):
    """RB03 has no date but the date of birth: its extract date is never 'far beyond the data'."""
    from watch_helpers import RB03_HEADERS, rb03_rows

    drop, wh = tmp_path / "drop", tmp_path / "wh.duckdb"
    day = dt.date.today() - dt.timedelta(days=1)
    write_csv(drop / "revenues_benefits" / "incoming" / f"switch_{day:%Y%m%d}.csv", RB03_HEADERS, rb03_rows(2))
    assert Watcher(drop, wh, settle=0, build=False).run_once() == 0
    assert [r[1:] for r in log_rows(wh)] == [("loaded", day, "file name", None)]
