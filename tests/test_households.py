"""The household index (docs/households.md): who lives together, and when.

Rules on hand-made raw layers (a real DuckDB file, dbt on it): flat and house
numbers keep homes apart, spellings of one address are one home, a UPRN makes
one home of differently written addresses, a hostel does not make a household
of everyone placed there, household ids survive rebuilds and new members, the
marts carry no personal data and household costs add up to client costs.
"""

from __future__ import annotations

import re

from dbt_warehouse_helpers import RawWarehouse, d, person

from costcalc.transform.publish import PERSONAL_COLUMN_NAMES

# fct_cost_monthly too: the household costs no longer read it (they read int_cost_monthly), the tests compare with it
HOUSEHOLDS = "+fct_household_membership +dim_household +fct_household_cost_monthly +fct_cost_monthly"


def gs(ref, surname, first, dob, line1, postcode, start="2025-01-01", desc="Support", **address):
    return person(surname, first, dob, postcode, extref=ref, address1=line1, startdate=d(start), cost=10,
                  costfrequency="Weekly", servicedesc=desc, **address)


def households(w: RawWarehouse) -> dict[str, set[str]]:
    """household id -> the references (GS00 extref / TF01 individualid) of its members."""
    rows = w.query("""
        select m.household_id, r.reference
        from marts.fct_household_membership m
        join intermediate.int_record_client_ids c on c.client_id = m.client_id
        join intermediate.int_identity_records r on r.record_key = c.record_key""")
    out: dict[str, set[str]] = {}
    for hid, ref in rows:
        out.setdefault(hid, set()).add(ref)
    return out


def groups(w: RawWarehouse) -> set[frozenset[str]]:
    return {frozenset(v) for v in households(w).values()}


def test_flat_and_house_numbers_keep_homes_apart_and_spellings_do_not(tmp_path):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "homes.csv", [
        gs("A1", "Adams", "Ann", "1980-01-01", "Flat 2, 10 High St", "TW3 1AA"),
        gs("A2", "Adams", "Bob", "1981-01-01", "FLAT 2 10 HIGH STREET", "tw31aa"),
        gs("B1", "Baker", "Cat", "1970-01-01", "Flat 3, 10 High St", "TW3 1AA"),
        gs("C1", "Cole", "Dan", "1960-01-01", "12 High St", "TW3 1AA"),
        gs("C2", "Cole", "Eve", "1962-01-01", "12 High Street.", "TW3 1AA"),
        # the same line in another postcode is another home
        gs("D1", "Adams", "Fay", "1990-01-01", "Flat 2, 10 High St", "TW4 2BB"),
        # a first line that is only a flat number takes the second line too
        gs("E1", "Evans", "Gus", "1950-01-01", "Flat 7", "TW5 3CC", address2="Oak House"),
        gs("E2", "Evans", "Hal", "1951-01-01", "Flat 7", "TW5 3CC", address2="Elm House"),
    ], extract_date=d("2025-06-30"))
    w.build(HOUSEHOLDS)
    assert groups(w) == {frozenset({"A1", "A2"}), frozenset({"B1"}), frozenset({"C1", "C2"}), frozenset({"D1"}),
                         frozenset({"E1"}), frozenset({"E2"})}
    ids = set(households(w))
    assert all(re.fullmatch(r"H\d{8}", h) for h in ids)


def test_a_shared_uprn_makes_one_home_of_differently_written_addresses(tmp_path):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    tf = [{"lastname": "Khan", "firstname": first, "dob": d(dob), "postcode": "UB3 1XX", "individualid": ref,
           "familyid": "F1", "address_1": line, "uprn": "100021"}
          for ref, first, dob, line in [("T1", "Amir", "1980-02-02", "Flat A, 5 Station Rd"),
                                        ("T2", "Sara", "1982-03-03", "5a Station Road"),
                                        ("T3", "Zain", "2012-04-04", "5 Station Rd (top flat)")]]
    w.load("TF01", "tf.csv", tf, extract_date=d("2025-06-30"))
    # a service sees one of them at an address the TF01 rows give that UPRN for
    w.load("GS00", "gs.csv", [gs("G1", "Khan", "Mina", "1950-05-05", "5a Station Road", "UB3 1XX")],
           extract_date=d("2025-06-30"))
    w.build(HOUSEHOLDS)
    assert groups(w) == {frozenset({"T1", "T2", "T3", "G1"})}
    (with_children,) = w.query("select with_children from marts.dim_household")[0]
    assert with_children is True


def test_a_hostel_does_not_make_a_household_of_everyone_placed_there(tmp_path):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    hostel = "Beacon Hostel, 4 Bath Rd"
    rows = [h01a(f"P{i}", surname, first, dob, hostel, "UB7 9ZZ", "2025-02-01" if surname != "Ng" else start)
            for i, (surname, first, dob, start) in enumerate([
                ("Ali", "Omar", "1990-01-01", None), ("Brown", "Tom", "1985-01-01", None),
                ("Chen", "Li", "1970-01-01", None), ("Diaz", "Rosa", "1992-01-01", None),
                ("Ng", "Kim", "1988-01-01", "2025-03-01"), ("Ng", "Joe", "1987-01-01", "2025-03-01"),
                ("Ng", "Sam", "1960-01-01", "2025-04-15")])]
    w.load("H01A", "ta.csv", rows, extract_date=d("2025-06-30"))
    w.build(HOUSEHOLDS)
    assert w.scalar("select count(*) from intermediate.int_household_dwellings where is_shared = 1") == 1
    # only the two Ngs placed on the same day are together; everyone else is alone
    together = [g for g in groups(w) if len(g) > 1]
    assert together == [frozenset({"P4", "P5"})]
    assert w.query("select distinct is_shared_address, is_temporary_accommodation from marts.dim_household") == [
        (True, True)]
    # two of them at an ordinary address (fewer surnames) do make one household of the overlap;
    # at an address named as a care home (household_shared_address_words) they do not
    w2 = RawWarehouse(tmp_path / "two.duckdb")
    w2.load("H01A", "ta.csv", [dict(r, address1="4 Bath Rd") for r in rows[:2]], extract_date=d("2025-06-30"))
    w2.load("H01A", "care.csv", [dict(r, address1="Cedars Care Home, Bath Rd", postcode="UB7 8YY")
                                 for r in rows[2:4]], extract_date=d("2025-06-30"))
    w2.build(HOUSEHOLDS)
    assert groups(w2) == {frozenset({"P0", "P1"}), frozenset({"P2"}), frozenset({"P3"})}


def h01a(pin, surname, first, dob, line1, postcode, start, end=None):
    return person(surname, first, dob, postcode, pin=pin, address1=line1, startdate=d(start),
                  enddate=d(end) if end else None, cost=300, proptype="Hostel")


def test_stays_follow_moves_and_the_dates_of_temporary_accommodation(tmp_path):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    # Ann and Bob at home; both placed in TA together from March to May; then a new home
    w.load("GS00", "jan.csv", [gs("A1", "Adams", "Ann", "1980-01-01", "1 Old Lane", "TW3 1AA"),
                               gs("B1", "Adams", "Bob", "1981-01-01", "1 Old Lane", "TW3 1AA")],
           extract_date=d("2025-01-31"))
    w.load("H01A", "ta.csv", [h01a("A", "Adams", "Ann", "1980-01-01", "Room 4, Park Lodge", "UB3 4DD",
                                   "2025-03-01", "2025-05-31"),
                              h01a("B", "Adams", "Bob", "1981-01-01", "Room 4, Park Lodge", "UB3 4DD",
                                   "2025-03-01", "2025-05-31")], extract_date=d("2025-06-30"))
    w.load("GS00", "sep.csv", [gs("A1", "Adams", "Ann", "1980-01-01", "9 New Road", "TW4 2BB", desc="Meals"),
                               gs("B1", "Adams", "Bob", "1981-01-01", "9 New Road", "TW4 2BB", desc="Meals")],
           extract_date=d("2025-09-30"))
    w.build(HOUSEHOLDS)
    stays = w.query("""select valid_from, valid_to, count(*) from intermediate.int_household_episodes
                       group by all order by valid_from""")
    assert stays == [
        (d("2024-02-01"), d("2025-02-28"), 2),  # seen 31 Jan 2025, taken back 365 days; until TA
        (d("2025-03-01"), d("2025-05-31"), 2),  # the placement's own dates
        (d("2025-06-01"), None, 2),             # the new home, current
    ]
    # the whole household moved twice, together: it keeps one id, and each membership runs on
    rows = w.query("""select h.is_temporary_accommodation, m.valid_from, m.valid_to, count(*)
                      from marts.fct_household_membership m join marts.dim_household h using (household_id)
                      group by all order by m.valid_from""")
    assert rows == [(True, d("2024-02-01"), None, 2)]


def test_household_ids_survive_rebuilds_and_new_members(tmp_path):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "one.csv", [gs("A1", "Adams", "Ann", "1980-01-01", "1 Old Lane", "TW3 1AA"),
                               gs("B1", "Adams", "Bob", "1981-01-01", "1 Old Lane", "TW3 1AA"),
                               gs("C1", "Cole", "Dan", "1960-01-01", "3 Old Lane", "TW3 1AA")],
           extract_date=d("2025-06-30"))
    w.build(HOUSEHOLDS)
    first = households(w)
    w.build(HOUSEHOLDS)
    assert households(w) == first
    w.dbt("build", "--full-refresh", "--select", HOUSEHOLDS.split()[0])  # the ledger is never rebuilt
    assert households(w) == first
    # a new member (and a new person elsewhere, seen earlier than everyone)
    w.load("GS00", "two.csv", [gs("K1", "Adams", "Kit", "2010-01-01", "1 Old Lane", "TW3 1AA"),
                               gs("Z1", "Zed", "Zoe", "1999-01-01", "7 Far Rd", "TW9 9ZZ")],
           extract_date=d("2025-09-30"))
    w.build(HOUSEHOLDS)
    after = households(w)
    adams = next(h for h, refs in first.items() if "A1" in refs)
    cole = next(h for h, refs in first.items() if "C1" in refs)
    assert after[adams] == {"A1", "B1", "K1"}
    assert after[cole] == {"C1"}
    assert len(after) == 3 and max(after) > max(first)  # the new household gets a new, higher id


def test_household_marts_are_pseudonymous_and_costs_add_up(tmp_path):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "one.csv", [gs("A1", "Adams", "Ann", "1980-01-01", "1 Old Lane", "TW3 1AA", start="2024-01-01"),
                               gs("B1", "Adams", "Bob", "1981-01-01", "1 Old Lane", "TW3 1AA", start="2025-03-01"),
                               gs("C1", "Cole", "Dan", "1960-01-01", "3 Old Lane", "TW3 1AA")],
           extract_date=d("2025-06-30"))
    w.build(HOUSEHOLDS)
    personal = {c.lower() for c in PERSONAL_COLUMN_NAMES}
    for table in ("fct_household_membership", "dim_household", "fct_household_cost_monthly"):
        cols = [c for (c,) in w.query("select column_name from information_schema.columns "
                                      "where table_schema = 'marts' and table_name = ?", [table])]
        assert cols and not personal & {c.lower() for c in cols}, (table, cols)
        text = " ".join(str(v) for row in w.query(f"select * from marts.{table}") for v in row)
        for value in ("Old Lane", "TW3", "Adams", "1980-01-01"):
            assert value not in text
    total_clients = w.scalar("select sum(cost) from marts.fct_cost_monthly")
    total_households = w.scalar("select sum(cost) from marts.fct_household_cost_monthly")
    assert total_clients > 0 and abs(total_clients - total_households) < 1e-6
    # Ann's costs from 2024, before anyone was seen at the address, count for her (first) household
    assert w.scalar("select min(month) from marts.fct_household_cost_monthly") == d("2024-01-01")


def test_a_household_keeps_its_id_when_it_moves_and_a_split_leaves_it_with_the_larger_part(tmp_path):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "jan.csv", [
        gs("A1", "Adams", "Ann", "1970-01-01", "1 Old Lane", "TW3 1AA"),
        gs("A2", "Adams", "Bob", "1972-01-01", "1 Old Lane", "TW3 1AA"),
        gs("A3", "Adams", "Cy", "2005-01-01", "1 Old Lane", "TW3 1AA"),
        gs("B1", "Baker", "Di", "1980-01-01", "2 Old Lane", "TW3 1AA"),
        gs("B2", "Baker", "Ed", "1981-01-01", "2 Old Lane", "TW3 1AA"),
        gs("C1", "Cole", "Flo", "1990-01-01", "3 Old Lane", "TW3 1AA"),
        gs("C2", "Cole", "Gil", "1960-01-01", "3 Old Lane", "TW3 1AA"),
        gs("D1", "Dunn", "Hal", "1975-01-01", "4 Old Lane", "TW3 1AA"),
        gs("D2", "Dunn", "Ivy", "1976-01-01", "4 Old Lane", "TW3 1AA"),
    ], extract_date=d("2025-01-31"))
    w.build(HOUSEHOLDS)
    before = {frozenset(v): h for h, v in households(w).items()}
    w.load("GS00", "sep.csv", [
        # the Adams split: two of three to one new home, one to another
        gs("A1", "Adams", "Ann", "1970-01-01", "9 New Rd", "TW4 2BB"),
        gs("A2", "Adams", "Bob", "1972-01-01", "9 New Rd", "TW4 2BB"),
        gs("A3", "Adams", "Cy", "2005-01-01", "5 Far Rd", "TW5 3CC"),
        # the Bakers move together
        gs("B1", "Baker", "Di", "1980-01-01", "Flat 1, 7 Mill St", "TW6 4DD"),
        gs("B2", "Baker", "Ed", "1981-01-01", "Flat 1, 7 Mill St", "TW6 4DD"),
        # the Coles split one and one: the part with the eldest (Gil) keeps the id
        gs("C1", "Cole", "Flo", "1990-01-01", "8 Mill St", "TW6 4DD"),
        gs("C2", "Cole", "Gil", "1960-01-01", "10 Mill St", "TW6 4DD"),
        # Ivy stays at the old home: the household stays there with her; Hal leaves
        gs("D1", "Dunn", "Hal", "1975-01-01", "12 Mill St", "TW6 4DD"),
        gs("D2", "Dunn", "Ivy", "1976-01-01", "4 Old Lane", "TW3 1AA"),
    ], extract_date=d("2026-09-30"))
    w.build(HOUSEHOLDS)
    after = households(w)
    assert after[before[frozenset({"A1", "A2", "A3"})]] == {"A1", "A2", "A3"}  # A3 was a member before the split
    current = dict(w.query("""select r.reference, m.household_id from marts.fct_household_membership m
        join intermediate.int_record_client_ids c on c.client_id = m.client_id
        join intermediate.int_identity_records r on r.record_key = c.record_key where m.valid_to is null"""))
    assert current["A1"] == current["A2"] == before[frozenset({"A1", "A2", "A3"})]
    assert current["A3"] not in before.values()
    assert current["B1"] == current["B2"] == before[frozenset({"B1", "B2"})]
    assert current["C2"] == before[frozenset({"C1", "C2"})] != current["C1"]
    assert current["D2"] == before[frozenset({"D1", "D2"})] != current["D1"]
    # one membership row per member of a household that moved together: it runs on
    assert w.scalar("""select count(*) from marts.fct_household_membership where household_id = ?""",
                    [before[frozenset({"B1", "B2"})]]) == 2
    # the ids stay on a rebuild
    w.build(HOUSEHOLDS)
    assert households(w) == after


def gz(uprn, line1, postcode, **lines):
    return {"uprn": uprn, "address_line_1": line1, "postcode": postcode, **lines}


def test_a_gazetteer_gives_addresses_a_uprn_and_ties_give_none(tmp_path):
    rows = [
        gs("A1", "Adams", "Ann", "1980-01-01", "Flat 2, 10 High Street", "TW3 1AA"),
        gs("A2", "Adams", "Bob", "1981-01-01", "Flat 2", "tw3 1aa", address2="10 High St"),
        gs("B1", "Baker", "Cat", "1970-01-01", "Flat 3, 10 High St", "TW3 1AA"),
        gs("C1", "Cole", "Dan", "1960-01-01", "Rose Cottage", "TW3 1AA"),
        gs("C2", "Cole", "Eve", "1962-01-01", "Rose Cottage", "TW3 1AA"),
        gs("E1", "Evans", "Gus", "1950-01-01", "14 High St", "TW3 1AA"),
    ]
    # without a gazetteer: the two spellings of Flat 2 are two homes
    w0 = RawWarehouse(tmp_path / "none.duckdb")
    w0.load("GS00", "gs.csv", rows, extract_date=d("2025-06-30"))
    w0.build(HOUSEHOLDS)
    assert groups(w0) == {frozenset({"A1"}), frozenset({"A2"}), frozenset({"B1"}), frozenset({"C1", "C2"}),
                          frozenset({"E1"})}
    assert w0.scalar("select count(*) from intermediate.int_gazetteer_addresses") == 0
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "gs.csv", rows, extract_date=d("2025-06-30"))
    w.load("GZ01", "llpg_old.csv", [gz("100001", "Flat 9, 10 High St", "TW3 1AA")], extract_date=d("2024-01-01"))
    w.load("GZ01", "llpg.csv", [
        # split lines in the gazetteer: Flat 2 / 10 / High Street; the newest extract wins for 100001
        gz("100001", "FLAT 2", "TW3 1AA", address_line_2="10", address_line_3="High Street"),
        gz("100002", "Flat 3, 10 High Street", "TW3 1AA"),
        # two properties listed alike: no UPRN for Rose Cottage
        gz("100003", "Rose Cottage", "TW3 1AA"), gz("100004", "Rose Cottage", "TW3 1AA"),
    ], extract_date=d("2025-05-01"))
    w.build(HOUSEHOLDS)
    assert groups(w) == {frozenset({"A1", "A2"}), frozenset({"B1"}), frozenset({"C1", "C2"}), frozenset({"E1"})}
    sources = dict(w.query("""select r.reference, o.uprn_source from intermediate.int_household_observations o
        join intermediate.int_identity_records r on r.record_key = o.record_key"""))
    assert sources == {"A1": "gazetteer", "A2": "gazetteer", "B1": "gazetteer", "C1": None, "C2": None, "E1": None}
    assert dict(w.query("select uprn_key, uprn from intermediate.int_gazetteer_addresses")) == {
        "TW31AA|FLAT210HIGHST": "100001", "TW31AA|FLAT310HIGHST": "100002"}
    # the gazetteer is no person: no records, no clients, no costs
    assert w.scalar("select count(*) from intermediate.int_source_rows where schema_code = 'GZ01'") == 0


def _household_costs_by_the_rule(w: RawWarehouse) -> dict[tuple, float]:
    """fct_household_cost_monthly recomputed in Python from its inputs, row by row as docs/households.md
    says: each client-month cost for the latest-starting membership overlapping the month, else the
    first membership after the month, else the last before it."""
    import calendar
    import datetime as dt

    members: dict[str, list[tuple]] = {}
    for hid, cid, start, end in w.query("select household_id, client_id, valid_from, valid_to "
                                        "from marts.fct_household_membership"):
        members.setdefault(cid, []).append((hid, start, end))
    out: dict[tuple, float] = {}
    for cid, service, stype, month, cost in w.query("select client_id, service, service_type, month, cost "
                                                    "from marts.fct_cost_monthly"):
        if cid not in members:
            continue
        month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])

        def preference(m):
            hid, start, end = m
            overlaps = start <= month_end and (end or dt.date(9999, 12, 31)) >= month
            rank = 0 if overlaps else 1 if start > month_end else 2
            return (rank, start.toordinal() if rank == 1 else 0, -start.toordinal(), hid)

        hid = min(members[cid], key=preference)[0]
        out[(hid, service, stype, month)] = out.get((hid, service, stype, month), 0.0) + cost
    return out


def test_household_costs_follow_each_client_month_by_month_through_moves_and_splits(tmp_path):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    long = {"start": "2022-06-15"}
    w.load("GS00", "jan.csv", [
        gs("A1", "Adams", "Ann", "1970-01-01", "1 Old Lane", "TW3 1AA", **long),
        gs("A2", "Adams", "Bob", "1972-01-01", "1 Old Lane", "TW3 1AA", desc="Meals", **long),
        gs("A3", "Adams", "Cy", "2005-01-01", "1 Old Lane", "TW3 1AA", start="2024-11-20", enddate=d("2026-03-02")),
        gs("B1", "Baker", "Di", "1980-01-01", "2 Old Lane", "TW3 1AA", **long),
        gs("B2", "Baker", "Ed", "1981-01-01", "2 Old Lane", "TW3 1AA", start="2026-08-01"),
        gs("C1", "Cole", "Flo", "1990-01-01", "3 Old Lane", "TW3 1AA", desc="Meals", **long),
        gs("C2", "Cole", "Gil", "1960-01-01", "3 Old Lane", "TW3 1AA", start="2023-02-28", enddate=d("2025-02-01")),
    ], extract_date=d("2025-01-31"))
    w.load("GS00", "sep.csv", [
        gs("A1", "Adams", "Ann", "1970-01-01", "9 New Rd", "TW4 2BB", desc="Meals", start="2025-10-01"),
        gs("A2", "Adams", "Bob", "1972-01-01", "9 New Rd", "TW4 2BB", start="2024-01-01", enddate=d("2026-12-31")),
        gs("A3", "Adams", "Cy", "2005-01-01", "5 Far Rd", "TW5 3CC", desc="Meals", start="2026-01-10"),
        gs("B1", "Baker", "Di", "1980-01-01", "Flat 1, 7 Mill St", "TW6 4DD", desc="Meals", start="2025-12-01"),
        gs("C1", "Cole", "Flo", "1990-01-01", "8 Mill St", "TW6 4DD", start="2021-03-03", enddate=d("2027-01-05")),
        gs("C2", "Cole", "Gil", "1960-01-01", "10 Mill St", "TW6 4DD", desc="Meals", start="2026-05-05"),
    ], extract_date=d("2026-09-30"))
    w.build(HOUSEHOLDS)
    # the inputs have what makes the choice matter: clients with several memberships, and costs
    # before the first, between, and after the last
    assert w.scalar("""select count(*) from (select client_id from marts.fct_household_membership
                       group by client_id having count(*) > 1)""") >= 2
    expected = _household_costs_by_the_rule(w)
    got = {(h, s, t, m): c for h, s, t, m, c in w.query("select * from marts.fct_household_cost_monthly")}
    assert len({k[0] for k in expected}) >= 4 and len(expected) > 100
    assert got.keys() == expected.keys()
    assert all(abs(got[k] - expected[k]) < 1e-9 for k in expected)
