"""Placeholders are missing values, not evidence; blocking skew is bounded
(issue 16, docs/matching.md "Placeholders" and "Skew").

The real matching models run with dbt on a real DuckDB file and on the real
PostgreSQL server (COSTCALC_PG_* as for tests/test_engine_postgres.py); the
loader side loads real CSV files. Each placeholder pair of names, dates of
birth and pseudo-postcodes below linked before placeholders were treated as
missing (a shared placeholder weighed like a shared real value, or made the
records one identity profile); the TN and all-one-digit NHS pairs were
already no evidence and must stay so. The "real identifiers" pairs did not
link before (the placeholders weighed as disagreement) and do now.
"""

from __future__ import annotations

import datetime as dt
import os
import json
import random
import string
import sys
import uuid
from pathlib import Path

import duckdb
import pytest

from helpers import match_dbt, matchgen  # noqa: E402

from costcalc.ingest.landing import load_file  # noqa: E402
from costcalc.placeholders import is_placeholder, load_placeholders  # noqa: E402

_rng = random.Random(16)
NHS1, NHS2 = matchgen.valid_nhs(_rng), matchgen.valid_nhs(_rng)
NI1 = matchgen.valid_ni(_rng)


def rec(key, surname, firstname, dob, postcode, nhs=None, ni=None, schema="GS00"):
    return {"record_key": key, "schema_code": schema, "surname": surname, "firstname": firstname,
            "dob": dt.date.fromisoformat(dob), "postcode": postcode, "nhs_number": nhs, "ni_number": ni,
            "source_file": f"{key}.csv", "source_row": 2}


CASES = [
    # date of birth 01/01/1900: two Smiths at one hostel, no first names
    rec("dob-a", "Smith", None, "1900-01-01", "M4 4HQ", schema="H01A"),
    rec("dob-b", "Smith", None, "1900-01-01", "M4 4HQ", schema="H01A"),
    rec("dob1901-a", "Gomersall", None, "1901-01-01", "M5 5HQ", schema="H01A"),
    rec("dob1901-b", "Gomersall", None, "1901-01-01", "M5 5HQ", schema="H01A"),
    # surname "Unknown": one date of birth, different postcodes, no first names
    rec("sn-a", "Unknown", None, "1983-06-17", "LS2 7QQ"),
    rec("sn-b", "unknown", None, "1983-06-17", "BD3 8RR"),
    rec("snnk-a", "Not Known", None, "1979-02-11", "LS4 1QQ"),
    rec("snnk-b", "NOT KNOWN", None, "1979-02-11", "BD5 2RR"),
    # first name "Not Known" / "Baby of ...": different surnames, same dob and postcode
    rec("fn-a", "Barraclough", "Not Known", "1990-09-09", "HX3 3PQ"),
    rec("fn-b", "Murgatroyd", "not known", "1990-09-09", "HX3 3PQ"),
    rec("baby-a", "Hinchliffe", "Baby of Hinchliffe", "2024-05-01", "HD7 7PQ"),
    rec("baby-b", "Sutcliffe", "Baby of Sutcliffe", "2024-05-01", "HD7 7PQ"),
    # no fixed abode: two homeless Ramsbottoms, an initial and a name, dates of birth
    # one digit apart: the pseudo-postcode was what tipped the score over
    rec("nfa-a", "Ramsbottom", "J", "1971-03-14", "ZZ99 3VZ", schema="H01A"),
    rec("nfa-b", "Ramsbottom", "Jack", "1971-03-15", "ZZ99 3VZ", schema="H01A"),
    # ZZ99 3WZ (not known) likewise
    rec("zzwz-a", "Ackerley", "M", "1966-10-01", "ZZ99 3WZ"),
    rec("zzwz-b", "Ackerley", "Margaret", "1966-10-07", "ZZ99 3WZ"),
    # a TN temporary reference shared by two people
    rec("tn-a", "Pilling", "Gary", "1980-01-01", "M1 1AB", ni="TN010180M", schema="RB01"),
    rec("tn-b", "Pollard", "Gareth", "1980-01-01", "M1 1AB", ni="TN010180M", schema="RB03"),
    # NHS number 0000000000 shared by two people
    rec("nhs0-a", "Thackray", "Irene", "1944-04-04", "WF3 3AB", nhs="0000000000", schema="ASC01"),
    rec("nhs0-b", "Thackeray", "Iris", "1944-04-04", "WF3 3AB", nhs="0000000000"),
    # real identifiers on records with placeholders still link
    rec("real-nhs-a", "Unknown", "Winifred", "1900-01-01", "ZZ99 3VZ", nhs=NHS1, schema="ASC01"),
    rec("real-nhs-b", "Oldroyd", "Winifred", "1938-07-21", "LS6 2AB", nhs=NHS1),
    rec("real-ni-a", "Not Known", "Desmond", "1901-01-01", "ZZ99 3WZ", ni=NI1, schema="RB01"),
    rec("real-ni-b", "Entwistle", "Desmond", "1975-11-30", "BD8 8AB", ni=NI1, schema="H01A"),
    rec("real-nfa-a", "Ramsden", "Keith", "1966-02-02", "ZZ99 3VZ", schema="H01A"),
    rec("real-nfa-b", "Ramsden", "Keith", "1966-02-02", "ZZ99 3VZ", schema="GS00"),
]
APART = [("dob-a", "dob-b"), ("dob1901-a", "dob1901-b"), ("sn-a", "sn-b"), ("snnk-a", "snnk-b"),
         ("fn-a", "fn-b"), ("baby-a", "baby-b"), ("nfa-a", "nfa-b"), ("zzwz-a", "zzwz-b"),
         ("tn-a", "tn-b"), ("nhs0-a", "nhs0-b")]
TOGETHER = [("real-nhs-a", "real-nhs-b"), ("real-ni-a", "real-ni-b"), ("real-nfa-a", "real-nfa-b")]


def _clusters_duckdb(root: Path, records: list[dict], vars_: str | None = None) -> tuple[Path, Path]:
    wh = root / "wh.duckdb"
    match_dbt.write_input(wh, records)
    project = match_dbt.make_project(root / "dbt", wh)
    match_dbt.run_dbt(project, "build", *(["--vars", vars_] if vars_ else []))
    return wh, project


def _query_duckdb(wh: Path, sql: str) -> list:
    with duckdb.connect(str(wh)) as con:  # dbt ran in-process: same configuration
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def duck(tmp_path_factory):
    root = tmp_path_factory.mktemp("placeholders_duck")
    wh, _ = _clusters_duckdb(root, CASES + matchgen.generate(1500, seed=99))
    return lambda sql: _query_duckdb(wh, sql)


def _pg_settings():
    if not os.environ.get("COSTCALC_PG_HOST"):
        if os.environ.get("COSTCALC_TEST_POSTGRES"):
            pytest.fail("COSTCALC_TEST_POSTGRES=1 but no COSTCALC_PG_HOST")
        pytest.skip("no PostgreSQL server configured (COSTCALC_PG_HOST)")
    return {"host": os.environ["COSTCALC_PG_HOST"], "port": int(os.environ.get("COSTCALC_PG_PORT", "5432")),
            "user": os.environ.get("COSTCALC_PG_USER", "postgres")}


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    import psycopg2

    s = _pg_settings()
    name = f"costcalc_ph_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres", password=os.environ.get("COSTCALC_PG_PASSWORD", ""), **s)
    admin.autocommit = True
    admin.cursor().execute(f"create database {name}")
    try:
        dsn = dict(s, dbname=name, password=os.environ.get("COSTCALC_PG_PASSWORD", ""))
        match_dbt.write_input_postgres(" ".join(f"{k}={v}" for k, v in dsn.items() if v != ""),
                                       CASES + matchgen.generate(300, seed=99))
        root = tmp_path_factory.mktemp("placeholders_pg")
        project = match_dbt.make_project(root / "dbt", None, postgres=dict(s, dbname=name))
        match_dbt.run_dbt(project, "build")

        def query(sql):
            with psycopg2.connect(**dsn) as con, con.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        yield query
    finally:
        admin.cursor().execute(f"drop database if exists {name} with (force)")
        admin.close()


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request):
    return request.getfixturevalue("duck" if request.param == "duckdb" else "pg")


def _cluster_of(query) -> dict[str, str]:
    return dict(query("select record_key, cluster_key from intermediate.int_match_clusters"))


@pytest.mark.parametrize("a,b", APART)
def test_placeholders_create_no_link(engine, a, b):
    clusters = _cluster_of(engine)
    assert clusters[a] != clusters[b]
    links = engine(f"select count(*) from intermediate.int_match_pairs p "
                   f"join intermediate.int_match_records ra on ra.profile_key = p.pk_a "
                   f"join intermediate.int_match_records rb on rb.profile_key = p.pk_b "
                   f"where p.is_link = 1 and ((ra.record_key = '{a}' and rb.record_key = '{b}') "
                   f"or (ra.record_key = '{b}' and rb.record_key = '{a}'))")
    assert links == [(0,)]


@pytest.mark.parametrize("a,b", TOGETHER)
def test_real_identifiers_on_placeholder_records_still_link(engine, a, b):
    clusters = _cluster_of(engine)
    assert clusters[a] == clusters[b]


def test_placeholder_records_keep_their_own_profile_and_nfa_flag(engine):
    rows = dict((k, (p, s, d, pc, nfa)) for k, p, s, d, pc, nfa in engine(
        "select record_key, profile_key, sn, dob, pc, is_no_fixed_abode from intermediate.int_match_records"))
    # identical details, but the shared detail is a placeholder: two profiles
    assert rows["dob-a"][0] != rows["dob-b"][0]
    assert rows["dob-a"][2] is None and rows["sn-a"][1] is None and rows["nfa-a"][3] is None
    assert rows["nfa-a"][4] == 1 and rows["real-nfa-a"][4] == 1
    assert rows["zzwz-a"][4] == 0 and rows["dob-a"][4] == 0  # ZZ99 3WZ is "not known", not NFA
    # no placeholder is ever a blocking key
    keys = engine("select count(*) from intermediate.int_match_block_keys k "
                  "join intermediate.int_match_records r on r.profile_key = k.profile_key "
                  "where r.record_key in ('dob-a', 'dob-b', 'sn-a', 'sn-b') and k.rule_no in (3, 6, 7)")
    assert keys == [(0,)]


def test_comparison_count_is_recorded_beside_the_weights(engine):
    rows = engine("select comparisons, links, profiles, max_block_comparisons, weights "
                  "from intermediate.int_match_build_log")
    pairs = engine("select count(*) from intermediate.int_match_pairs")[0][0]
    assert len(rows) == 1
    comparisons, links, profiles, limit, weights = rows[0]
    assert comparisons == pairs > 0 and links > 0 and profiles > 0 and limit == 100000
    # the weights used: this build's estimates (or the fixed fallback), as int_match_weight_estimates holds them
    used = json.loads(weights)
    assert used["threshold"] == 20
    stored = dict(engine("select name, weight from intermediate.int_match_weight_estimates"))
    assert stored and all(used[name] == pytest.approx(w) for name, w in stored.items())


def _people(n: int, rng: random.Random, first_names: list[str], surname: str, dob: dt.date) -> list[dict]:
    return [rec(f"p{i:06d}", surname, rng.choice(first_names), dob.isoformat(), matchgen.postcode(rng))
            for i in range(n)]


def test_twenty_thousand_unknowns_build_in_memory_and_stay_apart(tmp_path):
    """The issue's file: 20,000 different people, surname Unknown, dob 01/01/1900,
    real first names (few of them) and postcodes. Before: out of memory in
    int_match_pairs (all in one block), or ~500 clients."""
    rng = random.Random(20000)
    people = _people(20_000, rng, ["John", "Mary", "David", "Sarah", "Mohammed", "Anna", "Peter", "Susan",
                                   "James", "Fatima"], "Unknown", dt.date(1900, 1, 1))
    root = tmp_path
    wh = root / "wh.duckdb"
    match_dbt.write_input(wh, people + matchgen.generate(2000, seed=5))
    project = match_dbt.make_project(root / "dbt", wh)
    profiles = (project / "profiles.yml").read_text()
    (project / "profiles.yml").write_text(profiles + "      settings:\n        memory_limit: '1GB'\n")
    match_dbt.run_dbt(project, "build")
    n = _query_duckdb(wh, "select count(distinct cluster_key) from intermediate.int_match_clusters "
                          "where record_key like 'p0%' or record_key like 'p1%'")[0][0]
    assert n == 20_000


def test_over_frequent_value_is_left_out_of_blocking_with_a_warning(tmp_path):
    """A default the seed does not list (surname Zzyzx, dob 1905-05-05 for 3,000
    different people): detected from the data, left out of blocking, warned
    about by identifier and count, never by value."""
    rng = random.Random(3000)
    names = ["".join(rng.choice(string.ascii_uppercase) for _ in range(7)) for _ in range(3000)]
    people = [rec(f"z{i:05d}", "Zzyzx", names[i], "1905-05-05", matchgen.postcode(rng)) for i in range(3000)]
    wh, project = _clusters_duckdb(tmp_path, people + matchgen.generate(1000, seed=6))
    skipped = _query_duckdb(wh, "select identifiers, n_records, comparisons from intermediate.int_match_skipped_blocks "
                                "order by identifiers")
    assert ("date of birth + first three letters of surname", 3000, 3000 * 2999 // 2) in skipped
    assert ("date of birth + last part of surname", 3000, 3000 * 2999 // 2) in skipped
    log = (project / "logs" / "dbt.log").read_text()
    warnings = [line for line in log.splitlines() if "left out of blocking" in line]
    assert any("3000 records" in w and "date of birth + first three letters of surname" in w for w in warnings)
    assert not any("ZZYZX" in w.upper() or "1905" in w for w in warnings)
    built = _query_duckdb(wh, "select skipped_values, skipped_comparisons, comparisons "
                              "from intermediate.int_match_build_log")
    assert built[0][0] == len(skipped) and built[0][1] >= 2 * (3000 * 2999 // 2)
    assert built[0][2] < 100_000
    n = _query_duckdb(wh, "select count(distinct cluster_key) from intermediate.int_match_clusters "
                          "where record_key like 'z%'")[0][0]
    assert n == 3000


def test_skew_limit_is_a_var(tmp_path):
    rng = random.Random(1)
    people = [rec(f"v{i:03d}", "Varley", None, "1950-01-01", matchgen.postcode(rng)) for i in range(40)]
    wh, _ = _clusters_duckdb(tmp_path, people, vars_="{match_max_block_comparisons: 500}")
    assert _query_duckdb(wh, "select count(*), max(comparisons) from intermediate.int_match_skipped_blocks "
                             "where identifiers like 'date of birth + first three%'") == [(1, 780)]
    assert _query_duckdb(wh, "select max_block_comparisons from intermediate.int_match_build_log") == [(500,)]


# ------------------------------------------------------------------ the loader

GS00_HEADER = "extref,postcode,ni,nhsno,firstname,surname,dob,startdate,servicedesc,cost,costfrequency\n"


def test_loader_accepts_and_counts_placeholders(tmp_path):
    rows = [
        "A1,ZZ99 3VZ,TN010180M,0000000000,John,Unknown,01/01/1900,01/04/2024,Meals,25,Weekly",
        "A2,ZZ99 3WZ,,,Baby of Smith,Smith,01/01/1900,01/04/2024,Meals,25,Weekly",
        "A3,LS1 1AA,,1111111111,Ann,NK,02/03/1980,01/04/2024,Meals,25,Weekly",
        "A4,LS1 1AA,,,Ann,Ackroyd,02/03/1980,01/04/2024,Meals,25,Weekly",
        "A5,ZZ99,,,Ann,Ackroyd,02/03/1980,01/04/2024,Meals,25,Weekly",     # not a postcode, nor a listed one
        "A6,LS1 1AA,,1234567890,Ann,Ackroyd,02/03/1980,01/04/2024,Meals,25,Weekly",  # bad check digit
    ]
    f = tmp_path / "gs_march.csv"
    f.write_text(GS00_HEADER + "\n".join(rows) + "\n")
    r = load_file(tmp_path / "w.duckdb", f, schema="GS00")
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 4, 2)
    assert "2 rows with a placeholder surname" in r.message
    assert "2 with a placeholder date of birth" in r.message
    assert "1 with a placeholder first name" in r.message
    assert "2 with a placeholder postcode" in r.message
    assert "2 with a placeholder NHS number" in r.message
    assert "1 with a placeholder NI number" in r.message
    for personal in ("Unknown", "1900", "ZZ99", "TN01", "0000000000"):
        assert personal not in r.message
    assert {(e.row, e.column) for e in r.errors} == {(6, "postcode"), (7, "nhsno")}
    stored = duckdb.connect(str(tmp_path / "w.duckdb")).execute(
        "select postcode, ni, nhsno from raw.gs00 order by _source_row").fetchall()
    assert stored[0] == ("ZZ99 3VZ", "TN010180M", "0000000000")


def test_one_list_two_readers():
    """The loader and dbt read the same seed: every row of it is a placeholder to
    the loader, normalised as the SQL normalises it."""
    rows = load_placeholders()
    assert {p.identifier for p in rows} == {"surname", "firstname", "dob", "postcode", "nhs_number", "ni_number",
                                            "reference"}
    assert is_placeholder("surname", "not known") and is_placeholder("firstname", "Baby of Khan")
    assert is_placeholder("postcode", "zz99 3vz") and is_placeholder("dob", dt.date(1900, 1, 1))
    assert is_placeholder("ni_number", "TN 01 01 80 M") and is_placeholder("nhs_number", "000 000 0000")
    assert not is_placeholder("surname", "Smith") and not is_placeholder("postcode", "LS1 1AA")
    assert is_placeholder("reference", "t b c") and not is_placeholder("reference", "P-1234")


def test_no_fixed_abode_reaches_dim_client_and_links_on_real_details(tmp_path):
    """The whole dbt project on a DuckDB warehouse: a homeless client's ZZ99 3VZ
    records link on name and date of birth, not on the pseudo-postcode, and the
    client is counted as of no fixed abode."""
    from dbt_warehouse_helpers import RawWarehouse, d, person

    def gs(extref, surname, firstname, dob, postcode):
        return dict(person(surname, firstname, dob, postcode, extref=extref), startdate=d("2024-01-01"),
                    cost=1, costfrequency="Daily", servicedesc="Support")

    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "gs.csv", [
        gs("N1", "Ramsden", "Keith", "1966-02-02", "ZZ99 3VZ"),
        gs("N2", "Ramsden", "Keith", "1966-02-02", "ZZ99 3VZ"),
        gs("N3", "Holroyd", "Mavis", "1950-03-03", "ZZ99 3VZ"),   # another homeless person
        gs("H1", "Crowther", "Joan", "1949-04-04", "LS1 1AA"),
        gs("U1", "Unknown", "Ali", "1900-01-01", "LS2 2BB"),
        gs("U2", "Unknown", "Ali", "1900-01-01", "LS2 2BB"),       # identical placeholders: not evidence
    ])
    w.build()
    ids = dict(w.query("""select r.reference, c.client_id from intermediate.int_record_client_ids c
                          join intermediate.int_identity_records r using (record_key)"""))
    assert ids["N1"] == ids["N2"] and ids["N1"] != ids["N3"] and ids["U1"] != ids["U2"]
    nfa = dict(w.query("select client_id, no_fixed_abode from marts.dim_client"))
    assert nfa[ids["N1"]] is True and nfa[ids["N3"]] is True
    assert nfa[ids["H1"]] is False and nfa[ids["U1"]] is False


def test_costcalc_build_reports_the_skew_warning_without_the_value(tmp_path):
    """`costcalc build` runs dbt quietly; the skipped-block warning still reaches
    its summary (BuildResult.warnings), by identifier and count."""
    from dbt_warehouse_helpers import RawWarehouse, d, person

    rng = random.Random(500)
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "defaults.csv", [
        dict(person("Zzyzx", "".join(rng.choice(string.ascii_uppercase) for _ in range(8)), "1905-05-05",
                    matchgen.postcode(rng), extref=f"Z{i}"),
             startdate=d("2024-01-01"), cost=1, costfrequency="Daily", servicedesc="Support")
        for i in range(460)])
    result = w.build()
    text = result.summary()
    assert "460 records" in text and "date of birth + first three letters of surname" in text
    assert "ZZYZX" not in text.upper() and "1905" not in text
    assert len({c for _, c in w.query("select record_key, client_id from intermediate.int_record_client_ids")}) == 460
