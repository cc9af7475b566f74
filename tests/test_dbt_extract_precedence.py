"""docs/contract.md §2 (changed 2026-11-30): the row from the file with the
latest extract date wins; between files of the same extract date, the one
loaded last by load order (load_id), never by the wall-clock loaded_at.

Real demo TA extracts (costcalc.demo), loaded with the real loader into a real
DuckDB file, built with the real dbt project.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from costcalc.demo import generate
from costcalc.ingest.landing import load_file
from costcalc.transform.build import build

SELECT = "+fct_cost_monthly +fct_service_use"
FY = (dt.date(2025, 4, 1), dt.date(2026, 3, 31))


@pytest.fixture(scope="module")
def ta_files(tmp_path_factory):
    data = generate(tmp_path_factory.mktemp("demo"), people=300, seed=7, snapshots=2, intensity=3.0)
    files = data.by_schema("H01A")
    assert len(files) == 3 and len({f.extract_date for f in files}) == 3
    return sorted(files, key=lambda f: f.extract_date)


def _load(wh, f, extract_date=None):
    return load_file(wh, f.path, schema=f.schema_code, file_type=f.file_type, provider=f.provider,
                     extract_date=extract_date or f.extract_date)


def _figures(wh, target) -> tuple[float, int, list]:
    result = build(wh, SELECT, target_path=target)
    assert result.success, result.summary()
    with duckdb.connect(str(wh), read_only=True) as con:
        fy = con.execute("select coalesce(sum(cost), 0) from marts.fct_cost_monthly where month between ? and ?",
                         list(FY)).fetchone()[0]
        ongoing = con.execute("select count(*) from marts.fct_service_use where is_ongoing").fetchone()[0]
        recs = con.execute("select schema_code, service_type, start_date, end_date, unit_cost "
                           "from marts.fct_service_use order by all").fetchall()
    return float(fy), ongoing, recs


@pytest.fixture(scope="module")
def in_order(ta_files, tmp_path_factory):
    root = tmp_path_factory.mktemp("in_order")
    wh = root / "wh.duckdb"
    for f in ta_files:
        assert _load(wh, f).status == "loaded"
    return _figures(wh, root / "t")


def test_reverse_date_order_gives_the_same_figures(ta_files, in_order, tmp_path):
    wh = tmp_path / "wh.duckdb"
    results = [_load(wh, f) for f in reversed(ta_files)]
    assert [r.status for r in results] == ["loaded"] * 3
    fy, ongoing, recs = _figures(wh, tmp_path / "t")
    assert in_order[1] > 0 and in_order[0] > 0  # the demo has ongoing placements and FY spend
    assert (fy, ongoing) == (pytest.approx(in_order[0]), in_order[1])
    assert recs == in_order[2]
    # The loader says so when an older extract follows a newer one, and only then.
    assert "older than the newest extract" not in results[0].message
    for r in results[1:]:
        assert f"older than the newest extract of this file type ({ta_files[-1].extract_date.isoformat()})" \
            in r.message
        assert "cannot change what newer files say" in r.message


def test_in_order_loads_do_not_warn(ta_files, tmp_path):
    wh = tmp_path / "wh.duckdb"
    for f in ta_files:
        assert "older than" not in _load(wh, f).message


def test_a_clock_going_backwards_changes_nothing(ta_files, in_order, tmp_path):
    """Two loads of the same extract date: the one loaded last (load_id) wins even
    when the wall clock went backwards between them; and pushing every load's
    loaded_at into reverse order changes no figure."""
    wh = tmp_path / "wh.duckdb"
    for f in ta_files:
        _load(wh, f)
    with duckdb.connect(str(wh)) as con:
        ids = [r[0] for r in con.execute("select load_id from raw.load_log order by load_id").fetchall()]
        base = dt.datetime(2026, 10, 25, 1, 59)
        for n, load_id in enumerate(ids):  # later loads get earlier clock readings
            at = base - dt.timedelta(hours=n)
            con.execute("update raw.load_log set loaded_at = ? where load_id = ?", [at, load_id])
            con.execute("update raw.h01a set _loaded_at = ? where _load_id = ?", [at, load_id])
    fy, ongoing, recs = _figures(wh, tmp_path / "t")
    assert (fy, ongoing, recs) == (pytest.approx(in_order[0]), in_order[1], in_order[2])


def test_same_extract_date_the_later_load_wins_whatever_the_clock(ta_files, tmp_path):
    """The newest TA file loaded twice under the same extract date, as two files
    that disagree on one placement's cost; the second load's clock reads earlier."""
    newest = ta_files[-1]
    import openpyxl

    wb = openpyxl.load_workbook(newest.path)
    ws = wb.worksheets[0]
    headers = [str(c.value).strip().lower() for c in ws[1]]
    cost_col = headers.index("cost") + 1
    ws.cell(row=2, column=cost_col).value = 999.99
    changed = tmp_path / ("changed_" + newest.path.name)
    wb.save(changed)
    wh = tmp_path / "wh.duckdb"
    first = _load(wh, newest)
    second = load_file(wh, changed, schema="H01A", file_type=newest.file_type, provider=newest.provider,
                       extract_date=newest.extract_date)
    assert (first.status, second.status) == ("loaded", "loaded")
    assert "older than" not in second.message  # same extract date: not older
    with duckdb.connect(str(wh)) as con:
        con.execute("update raw.load_log set loaded_at = loaded_at - interval 2 hour where load_id = ?",
                    [second.load_id])
    assert build(wh, "+int_records", target_path=tmp_path / "t").success
    with duckdb.connect(str(wh), read_only=True) as con:
        rows = con.execute("select latest_load_id, unit_cost from intermediate.int_records "
                           "where latest_source_row = 2 and schema_code = 'H01A' "
                           "and latest_source_file = ?", [changed.name]).fetchall()
    assert rows and rows[0][0] == second.load_id and float(rows[0][1]) == pytest.approx(999.99)


# --------------------------------------------------------------------------- a client's latest details

GS00_HEADER = "extref,surname,firstname,dob,postcode,address1,nhsno,startdate,enddate,cost,costfrequency,servicedesc"
#: One person in two extracts, linked by the same valid NHS number; the newer extract
#: has her new postcode and address and a corrected date of birth.
OLDER = "R1,Example,Ann,01/01/1950,SW1A 1AA,1 Old Street,9434765919,01/04/2024,30/06/2024,10,Weekly,Meals"
NEWER = "R2,Example,Ann,01/01/1990,M1 1AE,2 New Road,9434765919,01/07/2025,,10,Weekly,Meals"


def test_a_clients_latest_details_come_from_the_newest_extract_not_the_last_load(tmp_path):
    """docs/contract.md §2: the newest extract date wins, then load order. The newer
    extract is loaded first, the older one after it (later wall clock, higher
    load_id): client_identity and dim_client's age still take the newer one's details."""
    newer = tmp_path / "gs_2026-03-31.csv"
    older = tmp_path / "gs_2025-03-31.csv"
    newer.write_text(GS00_HEADER + "\n" + NEWER + "\n", encoding="utf-8")
    older.write_text(GS00_HEADER + "\n" + OLDER + "\n", encoding="utf-8")
    wh = tmp_path / "wh.duckdb"
    first = load_file(wh, newer, schema="GS00", file_type="general_service", extract_date=dt.date(2026, 3, 31))
    second = load_file(wh, older, schema="GS00", file_type="general_service", extract_date=dt.date(2025, 3, 31))
    assert (first.status, second.status) == ("loaded", "loaded")
    assert second.load_id > first.load_id
    result = build(wh, "+client_identity +dim_client", target_path=tmp_path / "t")
    assert result.success, result.summary()
    from costcalc.warehouse.restricted_store import attach_for_reading

    with duckdb.connect(str(wh), read_only=True) as con:
        assert attach_for_reading(con, wh)  # the identities live in the restricted file beside it
        identity = con.execute("select client_id, dob, postcode, address, record_count "
                               "from restricted.client_identity").fetchall()
        ages = con.execute("select client_id, age from marts.dim_client").fetchall()
    assert len(identity) == 1, identity  # one person (the same NHS number)
    client_id, dob, postcode, address, record_count = identity[0]
    assert (dob, postcode, record_count) == (dt.date(1990, 1, 1), "M1 1AE", 2)
    assert "2 New Road" in address
    today = dt.date.today()
    age = today.year - 1990 - ((today.month, today.day) < (1, 1))
    assert ages == [(client_id, age)]
