"""The address as weak evidence (issue 14; docs/matching.md "Addresses"): the
street line of the address compared (exact, fuzzy, different, missing), with
small weights that lift no pair whose dates of birth wholly differ, and two
blocking rules (surname or first name + street line) bounded by the skew limit.

The real matching models run with dbt on a real DuckDB file and on the real
PostgreSQL server, with hand-made people among generated ones: a pair only
the address brings together links; a typing error in the street is `fuzzy`;
"Flat 2, 10 High Street" and "Flat 2, 10 High St" are one address; a father
and son and twins at one address stay apart; a hostel of hundreds of
residents (one address, one postcode, many of them one surname) neither
floods the comparisons nor links anyone.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb
import pytest

from helpers import match_dbt, matchgen
from helpers import postgres as pg

HOSTEL = "1 Hostel Road, Armley"
HOSTEL_SMITHS = 500   # one surname at one address: 124,750 pairs, over the skew limit of 100,000
HOSTEL_OTHERS = 250   # every resident a different person
FIRST_NAMES = ["Alan", "Beryl", "Cyril", "Doreen", "Ernest", "Flora", "Gordon", "Hilda", "Ivor", "Joan",
               "Keith", "Lorna", "Maurice", "Nora", "Oswald", "Pearl", "Rupert", "Sybil", "Trevor", "Vera"]


def rec(key, surname, firstname, dob, postcode, address, person=None):
    return {"record_key": key, "person_id": person or key, "schema_code": "GS00", "surname": surname,
            "firstname": firstname, "dob": dt.date.fromisoformat(dob) if dob else None, "postcode": postcode,
            "address": address, "nhs_number": None, "ni_number": None, "source_file": f"{key}.csv",
            "source_row": 2}


#: (a, b, expected address level, linked?)
CASES = [
    # only the address brings them together: the date of birth one digit out, no postcode on one
    # side, the first name mistyped (so no rule on date of birth, postcode or first name applies)
    (rec("street-a", "Quarmby", "Florence", "1967-12-03", "LS1 1AA", "12 Wylly Place, Miami, Bramley"),
     rec("street-b", "Quarmby", "Florance", "1967-12-08", None, "12 Wylly Place"), "exact", True),
    # the same by first name, the surname mistyped
    (rec("first-a", "Hebblethwaite", "Ottoline", "1952-05-17", "WF9 2ZZ", "7 Tanhouse Lane"),
     rec("first-b", "Hebblethwiate", "Ottoline", "1952-05-11", "WF9 2ZZ", "7 Tanhouse Lane, Pudsey"), "exact", True),
    # a typing error in the street; a bare flat line joined to the street; ROAD / RD
    (rec("typo-a", "Sowerby", "Gwendolen", "1944-03-30", "HX1 1AA", "48 Sunnybank Crescent"),
     rec("typo-b", "Sowerby", "Gwendolen", "1944-03-30", "HX2 2BB", "48 Sunnybnak Crescent"), "fuzzy", True),
    (rec("flat-a", "Ackroyd", "Tobias", "1990-10-10", "BD1 1AA", "Flat 2, 10 High Street"),
     rec("flat-b", "Ackroyd", "Tobias", "1990-10-10", "BD7 7ZZ", "flat 2, 10 HIGH ST."), "exact", True),
    # neighbours differ: another house on the same street
    (rec("next-a", "Marsden", "Cecily", "1977-07-07", "LS6 1AA", "21 Cardigan Road"),
     rec("next-b", "Marsden", "Cecily", "1977-07-07", "LS6 1AA", "23 Cardigan Road"), "fuzzy", True),
    # father and son of one name at one address: the address adds nothing against another date of birth
    (rec("father", "Entwistle", "Reginald", "1950-02-02", "LS12 3AA", "5 Gelderd Road", "father"),
     rec("son", "Entwistle", "Reginald", "1981-09-24", "LS12 3AA", "5 Gelderd Road", "son"), "exact", False),
    # twins at one address stay apart
    (rec("twin-a", "Micklethwaite", "Anna", "2005-04-04", "LS9 9AA", "3 Back Lane", "twin-a"),
     rec("twin-b", "Micklethwaite", "Emma", "2005-04-04", "LS9 9AA", "3 Back Lane", "twin-b"), "exact", False),
]
CASE_RECORDS = [r for a, b, _, _ in CASES for r in (a, b)]


def hostel_records() -> list[dict]:
    rng = random.Random(1402)
    out = []
    for i in range(HOSTEL_SMITHS + HOSTEL_OTHERS):
        sn = "Smith" if i < HOSTEL_SMITHS else f"Resident{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}"
        fn = f"{rng.choice(FIRST_NAMES)}{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}"
        dob = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        out.append(rec(f"hostel-{i}", sn, fn, dob.isoformat(), "LS12 1ZZ", HOSTEL))
    return out


def all_records() -> list[dict]:
    return matchgen.generate(1500, seed=1402) + CASE_RECORDS + hostel_records()


def _results(query) -> dict:
    pairs = {}
    for row in query("select record_key_a, record_key_b, addr_level, addr_weight, dob_level, score, is_link, rule "
                     "from intermediate.int_match_pairs"):
        pairs[frozenset(row[:2])] = dict(zip(["addr_level", "addr_weight", "dob_level", "score", "is_link", "rule"],
                                             row[2:]))
    clusters = dict(query("select record_key, cluster_key from intermediate.int_match_clusters"))
    skipped = query("select identifiers, n_profiles, comparisons from intermediate.int_match_skipped_blocks")
    weights = {r[0]: r[1] for r in query("select name, weight from intermediate.int_match_weight_estimates "
                                          "where field = 'address'")}
    links = query("select address_level, address_weight, score, nhs_weight + ni_weight + surname_weight"
                  " + firstname_weight + dob_weight + postcode_weight + reference_weight + address_weight"
                  " from restricted.match_links where score is not null")
    return {"pairs": pairs, "clusters": clusters, "skipped": skipped, "weights": weights, "links": links}


@pytest.fixture(scope="module")
def duck(tmp_path_factory):
    root = tmp_path_factory.mktemp("address_duckdb")
    wh = root / "wh.duckdb"
    match_dbt.write_input(wh, all_records())
    project = match_dbt.make_project(root / "dbt", wh)
    match_dbt.run_dbt(project, "build")
    with duckdb.connect(str(wh)) as con:
        return _results(lambda sql: con.execute(sql).fetchall())


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    import psycopg2

    pg.server_or_skip()
    root = tmp_path_factory.mktemp("address_postgres")
    with pg.fresh_database() as name:
        s = pg.admin_settings(name)
        dsn = " ".join(f"{k}={v}" for k, v in s.items() if v not in ("", None))
        match_dbt.write_input_postgres(dsn, all_records())
        project = match_dbt.make_project(root / "pg", None, postgres={
            "host": s["host"], "port": int(s["port"]), "user": s["user"], "dbname": name})
        match_dbt.run_dbt(project, "build")
        with psycopg2.connect(dsn) as con, con.cursor() as cur:
            def query(sql):
                cur.execute(sql)
                return cur.fetchall()
            return _results(query)


@pytest.fixture(params=["duckdb", "postgres"])
def built(request):
    return request.getfixturevalue("duck" if request.param == "duckdb" else "postgres")


@pytest.mark.parametrize("case", CASES, ids=[c[0]["record_key"] for c in CASES])
def test_address_levels_and_links_on_hand_made_pairs(built, case):
    a, b, level, linked = case
    pair = built["pairs"].get(frozenset((a["record_key"], b["record_key"])))
    assert pair is not None, f"{a['record_key']} and {b['record_key']} were not compared"
    assert pair["addr_level"] == level
    same = built["clusters"][a["record_key"]] == built["clusters"][b["record_key"]]
    assert (pair["is_link"] == 1, same) == (linked, linked), pair
    if pair["dob_level"] == "different":
        assert pair["addr_weight"] == 0
    elif level == "exact":
        assert 0 < pair["addr_weight"] <= 5


def test_address_weights_are_small_and_bounded(built):
    w = built["weights"]
    assert set(w) == {"addr_m", "addr_fuzzy", "addr_different"}
    assert 0.5 <= w["addr_m"] <= 0.99 and 0 <= w["addr_fuzzy"] <= 4 and -3.5 <= w["addr_different"] <= 0


def test_the_address_weight_is_explained_and_adds_up_to_the_score(built):
    assert any(level == "exact" for level, *_ in built["links"])
    for level, weight, score, total in built["links"]:
        assert total == pytest.approx(score, abs=1e-6)


def test_a_hostel_neither_floods_the_comparisons_nor_links_its_residents(built):
    hostel = {f"hostel-{i}" for i in range(HOSTEL_SMITHS + HOSTEL_OTHERS)}
    # the Smiths' surname + address value is over the skew limit: left out, and said so (no value shown)
    assert any(rule == "surname + street line of the address" and profiles == HOSTEL_SMITHS
               and comparisons == HOSTEL_SMITHS * (HOSTEL_SMITHS - 1) // 2
               for rule, profiles, comparisons in built["skipped"]), built["skipped"]
    among = [p for k, p in built["pairs"].items() if k <= hostel]
    # far fewer than the 280,875 pairs of 750 residents: only other rules' blocks (first initial) bring any
    assert len(among) < 20_000
    assert not any(p["is_link"] for p in among)
    # the address of hundreds weighs little (its share of profiles), a house's up to the maximum
    assert among and all(p["addr_weight"] < 2 for p in among if p["dob_level"] != "different")
    clusters = [built["clusters"][k] for k in hostel]
    assert len(set(clusters)) == len(hostel)
