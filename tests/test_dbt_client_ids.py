"""Client ids: opaque, stable across rebuilds (even --full-refresh) and new
loads; a merge keeps the oldest id, a split keeps the id on the larger part;
every change is recorded; ids are never reused.

The identity changes below are large (name, date of birth and postcode all
change), so the outcome is the same under exact or probabilistic matching.
"""

from __future__ import annotations

import re

from dbt_warehouse_helpers import RawWarehouse, d, person

IDS = "+int_record_client_ids int_client_id_changes"


def gs(extref, surname, dob, postcode, desc="Support"):
    return person(surname, "Test", dob, postcode, extref=extref, startdate=d("2024-01-01"),
                  cost=1, costfrequency="Daily", servicedesc=desc)


def ids_by_ref(w: RawWarehouse) -> dict[str, str]:
    return dict(w.query("""select r.reference, c.client_id from intermediate.int_record_client_ids c
                           join intermediate.int_identity_records r using (record_key)"""))


def test_client_ids_are_stable_merge_to_the_oldest_and_split_to_the_larger_part(tmp_path):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "first.csv", [
        gs("A1", "Adams", "1970-01-01", "AA1 1AA"),
        gs("A2", "Adams", "1970-01-01", "AA1 1AA", desc="Meals"),
        gs("B1", "Brown", "1980-02-02", "BB1 1BB"),
    ])
    w.run(IDS)
    first = ids_by_ref(w)
    assert first == {"A1": "C00000001", "A2": "C00000001", "B1": "C00000002"}
    assert all(re.fullmatch(r"C\d{8}", v) for v in first.values())

    assert w.scalar("select count(*) from intermediate.int_client_id_assignments") == 3

    # new loads: a new person gets the next id; an existing person keeps theirs (no renumbering)
    w.load("GS00", "second.csv", [
        gs("C1", "Clark", "1990-03-03", "CC1 1CC"),
        gs("A3", "Adams", "1970-01-01", "AA1 1AA", desc="Laundry"),
        gs("G1", "Green", "1965-04-04", "GG1 1GG"),
        gs("G2", "Green", "1965-04-04", "GG1 1GG", desc="Meals"),
        gs("G3", "Green", "1965-04-04", "GG1 1GG", desc="Laundry"),
    ])
    w.run(IDS)
    second = ids_by_ref(w)
    assert second == {**first, "C1": "C00000003", "A3": "C00000001",
                      "G1": "C00000004", "G2": "C00000004", "G3": "C00000004"}

    # merge: a later extract corrects Brown's record B1 to be Adams -> the oldest id wins
    w.load("GS00", "third.csv", [gs("B1", "Adams", "1970-01-01", "AA1 1AA")])
    # split: G1 and G2 turn out to be someone else -> the larger part keeps C00000004
    w.load("GS00", "fourth.csv", [gs("G1", "Hill", "1999-09-09", "HH9 9HH"),
                                  gs("G2", "Hill", "1999-09-09", "HH9 9HH", desc="Meals")])
    w.load("GS00", "fifth.csv", [gs("N1", "New", "2000-01-01", "NN1 1NN")])
    w.run(IDS)
    third = ids_by_ref(w)
    assert third["B1"] == "C00000001"                       # merged into the oldest
    assert third["G1"] == third["G2"] == "C00000004"        # larger part keeps the id
    assert third["G3"] == "C00000005"                       # smaller part: a new id
    assert third["N1"] == "C00000006"                       # C00000002 is retired, never reused
    assert "C00000002" not in third.values()
    assert {third[k] for k in ("A1", "A2", "A3", "C1")} == {"C00000001", "C00000003"}

    changes = w.query("""select r.reference, c.previous_client_id, c.client_id, c.change_reason
                         from intermediate.int_client_id_changes c
                         join intermediate.int_identity_records r using (record_key) order by 1""")
    assert changes == [("B1", "C00000002", "C00000001", "merged"), ("G3", "C00000004", "C00000005", "split")]

    # a rebuild, even a full refresh (the ledger is never rebuilt), renumbers nothing
    ledger_rows = w.scalar("select count(*) from intermediate.int_client_id_assignments")
    assert w.dbt("run", "--full-refresh", "--select", *IDS.split()).success
    assert ids_by_ref(w) == third
    assert w.scalar("select count(*) from intermediate.int_client_id_assignments") == ledger_rows
