"""Matching records that carry fewer identifiers, and service references as evidence
(issue 14, docs/matching.md "Fewer identifiers" and "Service references"). The real
matching models run with dbt on a real DuckDB file and on the real PostgreSQL server,
on hand-made records among unrelated filler people.
"""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from helpers import match_dbt, matchgen
from helpers import postgres as pg

_rng = random.Random(1414)
NHS1 = matchgen.valid_nhs(_rng)
NI1 = matchgen.valid_ni(_rng)

TA, GS, DHP = "temporary_accommodation", "general_service", "dhp_awards"


def rec(key, surname, firstname, dob, postcode, *, nhs=None, ni=None, schema="GS00", file_type=GS, ref=None):
    return {"record_key": key, "schema_code": schema, "file_type": file_type, "surname": surname,
            "firstname": firstname, "dob": dt.date.fromisoformat(dob) if dob else None, "postcode": postcode,
            "nhs_number": nhs, "ni_number": ni, "reference": ref, "source_file": f"{key}.csv", "source_row": 2}


def ref_pair(name, typo, first, dob, ref_a, ref_b, *, ft_a=TA, ft_b=TA, schema_a="H01A", schema_b="H01A"):
    """Two records of one person that only a shared reference can link: a surname typing
    error (+5), a rare first name (+9), no date of birth on the second, moved (-1.5): 12.5."""
    key = name.lower()
    return [rec(f"{key}-a", name, first, dob, "HX1 1AA", schema=schema_a, file_type=ft_a, ref=ref_a),
            rec(f"{key}-b", typo, first, None, "YO8 8ZZ", schema=schema_b, file_type=ft_b, ref=ref_b)]


CASES = [
    # an NI number and a surname (a discretionary housing payment) link to the person's full record
    rec("ni-dhp", "Ormerod", None, None, None, ni=NI1, schema="GS01", file_type=DHP),
    rec("ni-hb", "Ormerod", "Susan", "1975-05-05", "WF1 1AA", ni=NI1, schema="RB01", file_type="housing_benefit"),
    # an NHS number alone links on it
    rec("nhs-only", None, None, None, None, nhs=NHS1, schema="GS01", file_type=DHP),
    rec("nhs-asc", "Quennell", "John", "1980-01-02", "LS1 1AA", nhs=NHS1, schema="ASC01", file_type="adult_social_care"),
    # the same reference in two extracts of one file type links (written differently)
    *ref_pair("Wolstenholme", "Wolstenhulme", "Zebedee", "1955-03-14", "P-1234", "p 1234"),
    # ... different references are no evidence either way
    *ref_pair("Heptonstall", "Heptonstal", "Ezekiel", "1944-08-08", "P-2001", "P-2002"),
    # ... the same reference in two file types is no evidence (extref of one service, pin of another)
    *ref_pair("Micklethwaite", "Micklethwait", "Obadiah", "1961-04-05", "SM0042", "SM0042",
              ft_a=TA, ft_b=GS, schema_a="H01A", schema_b="GS00"),
    # ... a placeholder reference is none
    *ref_pair("Greenhalgh", "Greenhalg", "Thaddeus", "1958-03-03", "TBC", "tbc"),
    # ... nor is a reference shared by more profiles than match_max_reference_profiles (10)
    *ref_pair("Braithwaite", "Braithwate", "Bartholomew", "1949-09-09", "HOSTEL", "HOSTEL"),
    *[rec(f"hostel-{i}", f"Resident{chr(65 + i)}", "Someone", f"19{50 + i}-01-01", "HX1 1AA", schema="H01A",
          file_type=TA, ref="HOSTEL") for i in range(10)],
]

ENGINES = ["duckdb", "postgres"]


@pytest.fixture(scope="module", params=ENGINES)
def built(request, tmp_path_factory):
    """(clusters by record key, restricted.match_links rows as dicts) on each engine."""
    root = tmp_path_factory.mktemp(f"fewer_{request.param}")
    records = CASES + matchgen.generate(1500, seed=99)
    sql_clusters = "select record_key, cluster_key from intermediate.int_match_clusters"
    sql_links = ("select record_key_a, record_key_b, rule, score, reference_level, is_link, same_cluster "
                 "from restricted.match_links")
    if request.param == "duckdb":
        wh = root / "wh.duckdb"
        match_dbt.write_input(wh, records)
        match_dbt.build(match_dbt.make_project(root / "dbt", wh))
        with duckdb.connect(str(wh)) as con:
            clusters = dict(con.execute(sql_clusters).fetchall())
            cur = con.execute(sql_links)
            links = [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]
        yield clusters, links
        return
    pg.server_or_skip()
    import psycopg2

    with pg.fresh_database() as db:
        s = pg.admin_settings(db)
        dsn = " ".join(f"{k}={v}" for k, v in s.items() if v not in ("", None))
        match_dbt.write_input_postgres(dsn, records)
        profile = {"host": s["host"], "port": int(s["port"]), "user": s["user"], "dbname": db}
        match_dbt.build(match_dbt.make_project(root / "dbt", None, postgres=profile))
        with psycopg2.connect(dsn) as con, con.cursor() as cur:
            cur.execute(sql_clusters)
            clusters = dict(cur.fetchall())
            cur.execute(sql_links)
            links = [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]
        yield clusters, links


def link(links, a, b) -> dict | None:
    found = [r for r in links if {r["record_key_a"], r["record_key_b"]} == {a, b}]
    return found[0] if found else None


def test_an_ni_number_and_surname_link_to_the_full_record(built):
    clusters, links = built
    assert clusters["ni-dhp"] == clusters["ni-hb"]
    assert link(links, "ni-dhp", "ni-hb")["rule"] == "ni_number"


def test_an_nhs_number_alone_links_on_it(built):
    clusters, links = built
    assert clusters["nhs-only"] == clusters["nhs-asc"]
    ev = link(links, "nhs-only", "nhs-asc")
    assert (ev["rule"], ev["is_link"], float(ev["score"])) == ("nhs_number", 1, 15.0)


def test_the_same_reference_in_two_extracts_of_one_file_type_links(built):
    clusters, links = built
    assert clusters["wolstenholme-a"] == clusters["wolstenholme-b"]
    ev = link(links, "wolstenholme-a", "wolstenholme-b")
    assert (ev["reference_level"], ev["rule"], ev["is_link"]) == ("agree", "weighted_score", 1)
    assert 20 <= float(ev["score"]) < 30


@pytest.mark.parametrize("name", ["heptonstall", "micklethwaite", "greenhalgh", "braithwaite"])
def test_no_link_without_a_usable_shared_reference(built, name):
    """Different references, one reference in two file types, a placeholder reference, and
    a reference on more than 10 profiles: the same records stay apart (12.5 < 20)."""
    clusters, links = built
    assert clusters[f"{name}-a"] != clusters[f"{name}-b"]
    assert link(links, f"{name}-a", f"{name}-b") is None  # below the threshold: not in match_links


def test_a_reference_on_too_many_profiles_brings_no_residents_together(built):
    clusters, _ = built
    assert len({clusters[f"hostel-{i}"] for i in range(10)}) == 10
