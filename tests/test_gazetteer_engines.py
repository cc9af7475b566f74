"""The gazetteer and moves on DuckDB and on PostgreSQL, with real CSV files, the
real loader and real builds (docs/households.md "Gazetteer" and "Moves"):
without a gazetteer two spellings of one flat are two homes; with the LLPG
extract loaded they are one, and the household keeps its id when it moves."""

from __future__ import annotations

import csv
import datetime as dt

from costcalc.ingest.landing import load_file
from costcalc.transform.publish import build_and_publish

GS_HEAD = ["extref", "address1", "address2", "postcode", "firstname", "surname", "dob", "startdate", "cost",
           "costfrequency", "servicedesc"]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def load(engine, wh, path, **kw):
    with engine.selected():
        r = load_file(wh, path, **kw)
    assert r.status == "loaded", r.message
    return r


def build(engine, wh, tmp_path):
    with engine.selected():
        result = build_and_publish(wh, target_path=tmp_path / "dbt_target")
    assert result.success, result.summary()


def memberships(engine, wh) -> list[tuple]:
    """(source file, row, household id, valid_from, valid_to) for every linked row."""
    con = engine.open(wh)
    try:
        return sorted(con.execute("""
            select l.source_file, l.source_row, m.household_id, m.valid_from, m.valid_to
            from marts.client_record_links l
            join marts.fct_household_membership m on m.client_id = l.client_id""").fetchall())
    finally:
        con.close()


def test_gazetteer_uprns_and_a_move_on_each_engine(fresh_engine, tmp_path):
    engine, wh = fresh_engine, tmp_path / "wh.duckdb"
    home = write_csv(tmp_path / "jan.csv", GS_HEAD, [
        ["A1", "Flat 2, 10 High Street", "", "TW3 1AA", "Ann", "Adams", "01/01/1980", "01/01/2025", "10", "Weekly",
         "Support"],
        ["A2", "Flat 2", "10 High St", "tw3 1aa", "Bob", "Adams", "01/01/1981", "01/01/2025", "10", "Weekly",
         "Support"],
        ["C1", "Flat 3, 10 High St", "", "TW3 1AA", "Cat", "Cole", "01/01/1970", "01/01/2025", "10", "Weekly",
         "Support"]])
    load(engine, wh, home, schema="GS00", file_type="general_service", extract_date=dt.date(2025, 1, 31))
    build(engine, wh, tmp_path)
    before = memberships(engine, wh)
    assert len({h for _, _, h, _, _ in before}) == 3  # no gazetteer: three homes

    llpg = write_csv(tmp_path / "llpg.csv", ["UPRN", "Address Line 1", "Address Line 2", "Address Line 3",
                                             "Postcode"], [
        ["100001", "FLAT 2", "10", "HIGH STREET", "TW3 1AA"],
        ["100002", "FLAT 3, 10 HIGH STREET", "", "", "TW3 1AA"]])
    assert load(engine, wh, llpg, extract_date=dt.date(2025, 2, 1)).schema_code == "GZ01"
    moved = write_csv(tmp_path / "sep.csv", GS_HEAD, [
        ["A1", "9 New Road", "", "TW4 2BB", "Ann", "Adams", "01/01/1980", "01/01/2025", "10", "Weekly", "Meals"],
        ["A2", "9 New Rd", "", "TW4 2BB", "Bob", "Adams", "01/01/1981", "01/01/2025", "10", "Weekly", "Meals"]])
    load(engine, wh, moved, schema="GS00", file_type="general_service", extract_date=dt.date(2025, 9, 30))
    build(engine, wh, tmp_path)
    after = memberships(engine, wh)
    adams = {h for f, _, h, _, _ in after if f in ("jan.csv", "sep.csv")} - {
        h for f, r, h, _, _ in after if (f, r) == ("jan.csv", 4)}
    # Ann and Bob are one household, at the gazetteer's flat and then at the new home: one id, one
    # membership each from the first day, current; Cat stays alone
    assert len(adams) == 1
    rows = {(h, f_, t) for f, _, h, f_, t in after if h in adams}
    assert rows == {(adams.pop(), dt.date(2024, 2, 1), None)}  # seen 31 Jan 2025, taken back 365 days
    con = engine.open(wh)
    try:
        assert con.execute("select count(*) from marts.dim_household").fetchall() == [(2,)]
        # no row of the gazetteer is a record of a person
        assert con.execute("select count(*) from marts.client_record_links "
                           "where source_file = 'llpg.csv'").fetchall() == [(0,)]
    finally:
        con.close()
    build(engine, wh, tmp_path)
    assert memberships(engine, wh) == after  # ids stay on a rebuild
