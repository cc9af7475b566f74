"""Record matching, rule by rule, on hand-made records that must and must not
link. The real matching models (models/intermediate/matching) run with dbt
on a real DuckDB file; unrelated filler people make the term frequencies
realistic. One dbt build serves every case in this module.
"""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from helpers import match_dbt, matchgen

_rng = random.Random(7)
NHS1, NHS2, NHS3, NHS4 = (matchgen.valid_nhs(_rng) for _ in range(4))
NI1, NI2 = matchgen.valid_ni(_rng), matchgen.valid_ni(_rng)


def _bad_checksum(nhs: str) -> str:
    return nhs[:9] + str((int(nhs[9]) + 1) % 10)


def rec(key, surname, firstname, dob, postcode, nhs=None, ni=None, schema="GS00"):
    return {"record_key": key, "schema_code": schema, "surname": surname, "firstname": firstname,
            "dob": dt.date.fromisoformat(dob), "postcode": postcode, "nhs_number": nhs, "ni_number": ni,
            "source_file": f"{key}.csv", "source_row": 2}


CASES = [
    # NHS number: same valid number links through typos and a move
    rec("nhs-a", "Quennell", "John", "1980-01-02", "LS1 1AA", nhs=NHS1, schema="ASC01"),
    rec("nhs-b", "Quenell", "Jon", "1980-01-03", "BD2 2BB", nhs=NHS1),
    # an NHS number failing its checksum is no evidence
    rec("badnhs-a", "Arkwright", "Alice", "1961-04-05", "HX1 1AA", nhs=_bad_checksum(NHS2), schema="ASC01"),
    rec("badnhs-b", "Brackley", "Alison", "1963-06-07", "HX2 2BB", nhs=_bad_checksum(NHS2)),
    # NI number: the same number with and without its suffix, initial only, moved
    rec("ni-a", "Ormerod", "Susan", "1975-05-05", "WF1 1AA", ni=NI1, schema="RB01"),
    rec("ni-b", "Ormerod", "S", "1975-05-05", "WF9 9ZZ", ni=NI1[:8], schema="RB03"),
    # a badly formed NI number (TN prefix) is no evidence
    rec("badni-a", "Pilkington", "Gary", "1970-02-02", "M1 1AA", ni="TN123456A", schema="RB01"),
    rec("badni-b", "Thistlewood", "Graham", "1971-03-03", "M2 2BB", ni="TN123456A", schema="RB03"),
    # surname written differently: case, apostrophe, space
    rec("apos-a", "O'Shaughnessy", "Michael", "1966-07-08", "B1 1AA"),
    rec("apos-b", "OSHAUGHNESSY", "Michael", "1966-07-08", "B9 9ZZ"),
    rec("apos-c", "o shaughnessy", "michael", "1966-07-08", "B1 1AA"),
    # one part of a double-barrelled surname
    rec("dbl-a", "Fotheringham-Blythe", "Clara", "1990-11-12", "YO1 1AA"),
    rec("dbl-b", "Blythe", "Clara", "1990-11-12", "YO1 1AA"),
    # a surname typing error
    rec("sntypo-a", "Wolstenholme", "Derek", "1955-03-14", "HD1 1AA"),
    rec("sntypo-b", "Wolstenhulme", "Derek", "1955-03-14", "HD1 1AA"),
    # nickname, and a move
    rec("nick-a", "Gatenby", "William", "1948-09-30", "LS6 1AA"),
    rec("nick-b", "Gatenby", "Bill", "1948-09-30", "LS7 7ZZ"),
    # date of birth: day and month swapped; one digit wrong
    rec("swap-a", "Hebblethwaite", "Joan", "1985-03-07", "BD5 5AA"),
    rec("swap-b", "Hebblethwaite", "Joan", "1985-07-03", "BD5 5AA"),
    rec("digit-a", "Ackroyd", "Harold", "1939-06-15", "HX5 5AA"),
    rec("digit-b", "Ackroyd", "Harold", "1939-06-18", "HX5 5AA"),
    # people move: postcode alone must not split a person
    rec("move-a", "Sowerby", "Kathleen", "1952-12-01", "WF2 2AA"),
    rec("move-b", "Sowerby", "Kathleen", "1952-12-01", "YO8 8ZZ"),
    # twins: same surname, dob and postcode, different first names ...
    rec("twin-a", "Micklethwaite", "Anna", "2005-04-04", "LS9 9AA"),
    rec("twin-b", "Micklethwaite", "Emma", "2005-04-04", "LS9 9AA"),
    # ... still two people when a record without a first name resembles both
    rec("twin-c", "Micklethwaite", None, "2005-04-04", "LS9 9AA"),
    # siblings
    rec("sib-a", "Braithwaite", "Tom", "2001-01-20", "BD9 9AA"),
    rec("sib-b", "Braithwaite", "Lucy", "2003-08-11", "BD9 9AA"),
    # a common surname at one (hostel) address
    rec("host-a", "Smith", "John", "1970-01-01", "M4 4HH", schema="H01A"),
    rec("host-b", "Smith", "Mary", "1972-05-05", "M4 4HH", schema="H01A"),
    rec("host-c", "Smith", "David", "1970-01-01", "M4 4HH", schema="H01A"),
    # father and son of one name at one address
    rec("jr-a", "Pickersgill", "Ronald", "1960-05-05", "HD4 4AA"),
    rec("jr-b", "Pickersgill", "Ronald", "1988-10-21", "HD4 4AA"),
    # two different valid NHS numbers never merge, even with every other detail equal
    rec("nhsx-a", "Illingworth", "Peter", "1950-02-02", "LS3 3AA", nhs=NHS3, schema="ASC01"),
    rec("nhsx-b", "Illingworth", "Peter", "1950-02-02", "LS3 3AA", nhs=NHS4, schema="GS00"),
    # ... nor through a chain: a record without NHS number resembles both
    rec("chain-a", "Heptonstall", "Mavis", "1944-08-08", "HX7 7AA", nhs=NHS3, schema="ASC01"),
    rec("chain-b", "Heptonstall", "Mavis", "1944-08-08", "HX7 7AA"),
    rec("chain-c", "Heptonstall", "Mavis", "1944-08-08", "HX7 7BB", nhs=NHS4, schema="GS00"),
    # two different valid NI numbers likewise, through a chain
    rec("nichain-a", "Greenhalgh", "Keith", "1958-03-03", "BD1 3AA", ni=NI1, schema="RB01"),
    rec("nichain-b", "Greenhalgh", "Keith", "1958-03-03", "BD1 3AA", schema="H01A"),
    rec("nichain-c", "Greenhalgh", "Keith", "1958-03-03", "BD1 3AA", ni=NI2, schema="RB03"),
]


@pytest.fixture(scope="module")
def clusters(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("matching_rules")
    filler = [r for r in matchgen.generate(1500, seed=99)]
    wh = root / "wh.duckdb"
    match_dbt.write_input(wh, CASES + filler)
    project = match_dbt.make_project(root / "dbt", wh)
    match_dbt.build(project)
    with duckdb.connect(str(wh)) as con:
        rows = con.execute("select record_key, cluster_key from intermediate.int_match_clusters").fetchall()
        links = con.execute("select record_key_a, record_key_b, rule, is_link, same_cluster "
                            "from restricted.match_links").fetchall()
    out = dict(rows)
    out["__links__"] = links
    return out


def same(clusters, *keys) -> bool:
    return len({clusters[k] for k in keys}) == 1


@pytest.mark.parametrize("a,b", [
    ("nhs-a", "nhs-b"), ("ni-a", "ni-b"), ("apos-a", "apos-b"), ("apos-a", "apos-c"),
    ("dbl-a", "dbl-b"), ("sntypo-a", "sntypo-b"), ("nick-a", "nick-b"), ("swap-a", "swap-b"),
    ("digit-a", "digit-b"), ("move-a", "move-b"),
])
def test_must_link(clusters, a, b):
    assert same(clusters, a, b), f"{a} and {b} should be one person"


@pytest.mark.parametrize("a,b", [
    ("badnhs-a", "badnhs-b"), ("badni-a", "badni-b"), ("twin-a", "twin-b"), ("sib-a", "sib-b"),
    ("host-a", "host-b"), ("host-a", "host-c"), ("jr-a", "jr-b"), ("nhsx-a", "nhsx-b"),
    ("chain-a", "chain-c"), ("nichain-a", "nichain-c"),
])
def test_must_not_link(clusters, a, b):
    assert not same(clusters, a, b), f"{a} and {b} should be two people"


def test_a_record_resembling_two_twins_joins_at_most_one(clusters):
    assert not same(clusters, "twin-a", "twin-b")
    assert clusters["twin-c"] in (clusters["twin-a"], clusters["twin-b"])


def test_a_chain_between_two_nhs_numbers_is_cut_at_its_weakest_link(clusters):
    # chain-b agrees with chain-a on the postcode too, so the weaker link (to chain-c) is the one cut
    assert same(clusters, "chain-a", "chain-b")
    assert not same(clusters, "chain-b", "chain-c")
    links = {(a, b): (rule, is_link, same_cl) for a, b, rule, is_link, same_cl in clusters["__links__"]}
    cut = [v for k, v in links.items() if set(k) == {"chain-b", "chain-c"}]
    assert cut and cut[0][1] == 1 and cut[0][2] == 0, "the cut link is kept as evidence, not in one cluster"
    direct = [v for k, v in links.items() if set(k) == {"chain-a", "chain-c"}]
    assert direct and direct[0][0] == "nhs_number_conflict" and direct[0][1] == 0


def test_every_link_says_which_rule_made_it(clusters):
    links = {frozenset((a, b)): rule for a, b, rule, is_link, _ in clusters["__links__"] if is_link}
    assert links[frozenset(("nhs-a", "nhs-b"))] == "nhs_number"
    assert links[frozenset(("ni-a", "ni-b"))] == "ni_number"
    assert links[frozenset(("move-a", "move-b"))] == "weighted_score"
    assert frozenset(("twin-a", "twin-b")) not in links
