"""Matching weights estimated from the data (issue 14; docs/matching.md "Weights
estimated from the data"): u by random sampling, m by expectation-maximisation,
bounded around today's fixed weights, with the fixed weights as the fallback;
stored per build in the warehouse; reused or pinned on request. And the
comparison levels added with them (names written the other way round, a
similar surname, transposed digits and the same year and month of birth),
by hand-made pairs.

The real matching models run with dbt on a real DuckDB file, and on the real
PostgreSQL server (the same levels and the same estimates).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pytest

from helpers import match_dbt, matchgen
from helpers import postgres as pg

REPO = Path(__file__).resolve().parents[1]
#: the weights that are estimated, and the three m probabilities of the term-frequency weights
TF_NAMES = {"sn_m", "fn_m", "pc_m", "addr_m"}
BAND = 3.0


def rec(key, surname, firstname, dob, postcode, person=None):
    return {"record_key": key, "person_id": person or key, "schema_code": "GS00", "surname": surname,
            "firstname": firstname, "dob": dt.date.fromisoformat(dob) if dob else None, "postcode": postcode,
            "nhs_number": None, "ni_number": None, "source_file": f"{key}.csv", "source_row": 2}


#: hand-made pairs for the new levels: (a, b, expected levels, must they link?)
LEVEL_CASES = [
    (rec("swap-a", "Hargreaves", "Mildred", "1961-02-14", "LS2 7AA"),
     rec("swap-b", "Mildred", "Hargreaves", "1961-02-14", "LS2 7AA"),
     {"sn_level": "swapped", "fn_level": "swapped", "dob_level": "exact"}, True),
    # the other way round, with a typing error and a move: blocked by both names' first letters
    (rec("swaptypo-a", "Blackburn", "Winifred", "1958-06-23", "BD3 1AA"),
     rec("swaptypo-b", "Winifred", "Blackbrun", "1958-06-23", "HX4 9ZZ"),
     {"sn_level": "swapped", "fn_level": "swapped", "pc_level": "different"}, True),
    (rec("similar-a", "Crowther", "Eustace", "1949-09-09", "WF3 3AA"),
     rec("similar-b", "Crowley", "Eustace", "1949-09-09", "WF3 3AA"),
     {"sn_level": "similar", "fn_level": "exact"}, None),
    (rec("transp-a", "Oddbody", "Florence", "1967-12-03", "HD7 5AA"),
     rec("transp-b", "Oddbody", "Florence", "1976-12-03", "HD7 5AA"),
     {"dob_level": "transposed"}, True),
    (rec("transpday-a", "Thwaites", "Cuthbert", "1985-03-12", "YO3 3AA"),
     rec("transpday-b", "Thwaites", "Cuthbert", "1985-03-21", "YO3 3AA"),
     {"dob_level": "transposed"}, True),
    (rec("ym-a", "Scatcherd", "Araminta", "1985-03-02", "HG1 1AA"),
     rec("ym-b", "Scatcherd", "Araminta", "1985-03-27", "HG1 1AA"),
     {"dob_level": "year_month"}, None),
    # day and month swapped stays 'swapped', one digit stays 'one_digit'
    (rec("dm-a", "Ogglesby", "Prudence", "1971-04-09", "DN1 1AA"),
     rec("dm-b", "Ogglesby", "Prudence", "1971-09-04", "DN1 1AA"),
     {"dob_level": "swapped"}, True),
    (rec("od-a", "Grimshaw", "Ebenezer", "1939-06-15", "HX5 5AA"),
     rec("od-b", "Grimshaw", "Ebenezer", "1939-06-18", "HX5 5AA"),
     {"dob_level": "one_digit"}, True),
    # twins stay apart whatever the weights: different first names are a conflict
    (rec("twin-a", "Micklethwaite", "Anna", "2005-04-04", "LS9 9AA"),
     rec("twin-b", "Micklethwaite", "Emma", "2005-04-04", "LS9 9AA"),
     {"fn_level": "different"}, False),
]
CASE_RECORDS = [r for a, b, _, _ in LEVEL_CASES for r in (a, b)]


def _fixed() -> dict[str, float]:
    """Today's fixed weights, read from macros/matching/match_weights_fixed.sql (with the
    dbt vars at their defaults: the first-name conflict on)."""
    import jinja2

    text = (REPO / "macros" / "matching" / "match_weights_fixed.sql").read_text(encoding="utf-8")
    out = {}

    def ret(value):
        out.update(value)
        return ""

    def var(name, default=None):
        return default

    jinja2.Environment().from_string(text, globals={"return": ret, "var": var}).module.match_weights_fixed()
    return out


FIXED = _fixed()


def build(root: Path, records: list[dict], dbt_vars: str | None = None, wh: Path | None = None) -> Path:
    """Run the matching models with dbt on a DuckDB file holding ``records``; the warehouse file."""
    wh = wh or root / "wh.duckdb"
    match_dbt.write_input(wh, records)
    project = match_dbt.make_project(root / "dbt", wh)
    match_dbt.run_dbt(project, "build", *(["--vars", dbt_vars] if dbt_vars else []))
    return wh


def estimates(con) -> dict[str, dict]:
    cols = ["name", "field", "level", "m", "u", "weight", "fixed_weight", "estimated_weight", "source", "pairs", "note"]
    rows = con.execute(f"select {', '.join(cols)} from intermediate.int_match_weight_estimates").fetchall()
    return {r[0]: dict(zip(cols, r)) for r in rows}


def pair_row(con, a: str, b: str) -> dict:
    cur = con.execute("select * from intermediate.int_match_pairs where (record_key_a = ? and record_key_b = ?) "
                      "or (record_key_a = ? and record_key_b = ?)", [a, b, b, a])
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, f"{a} and {b} were not compared"
    return dict(zip(names, rows[0]))


def pairwise(con, truth: dict[str, str]) -> tuple[float, float]:
    clusters = dict(con.execute("select record_key, cluster_key from intermediate.int_match_clusters").fetchall())
    by_c, by_p, both = {}, {}, {}
    for k, c in clusters.items():
        by_c[c] = by_c.get(c, 0) + 1
        by_p[truth[k]] = by_p.get(truth[k], 0) + 1
        both[(c, truth[k])] = both.get((c, truth[k]), 0) + 1
    pairs = lambda d: sum(n * (n - 1) // 2 for n in d.values())  # noqa: E731
    return pairs(both) / pairs(by_c), pairs(both) / pairs(by_p)


def assert_bounded(est: dict[str, dict]) -> None:
    for name, e in est.items():
        w = e["estimated_weight"]
        if name in TF_NAMES:
            assert 0.5 <= w <= 0.99, (name, w)
        else:
            assert e["fixed_weight"] - BAND - 1e-9 <= w <= e["fixed_weight"] + BAND + 1e-9, (name, w)
            assert (w <= 0) if e["level"] == "different" else (w >= 0), (name, w)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """3,000 generated records of about 1,100 people, plus the hand-made pairs, built twice:
    once estimating, once with one weight pinned by var match_weights."""
    root = tmp_path_factory.mktemp("weights_generated")
    recs = matchgen.generate(3000, seed=1414) + CASE_RECORDS
    wh = build(root, recs)
    with duckdb.connect(str(wh)) as con:
        first = estimates(con)
        precision, recall = pairwise(con, {r["record_key"]: str(r["person_id"]) for r in recs})
        cases = {(a["record_key"], b["record_key"]): pair_row(con, a["record_key"], b["record_key"])
                 for a, b, _, _ in LEVEL_CASES}
        clusters = dict(con.execute("select record_key, cluster_key from intermediate.int_match_clusters").fetchall())
        fuzzy = con.execute("select sn_weight from intermediate.int_match_pairs where sn_level = 'fuzzy'").fetchall()
        links = con.execute("select score, nhs_weight + ni_weight + surname_weight + firstname_weight + dob_weight"
                            " + postcode_weight from restricted.match_links where score is not null").fetchall()
    build(root, recs, "{match_weights: {sn_fuzzy: 4.25}}", wh=wh)
    with duckdb.connect(str(wh)) as con:
        pinned = estimates(con)
        history = con.execute("select invocation_id, name, weight, source from intermediate.int_match_weight_history"
                              " order by built_at, name").fetchall()
        fuzzy_pinned = con.execute(
            "select distinct sn_weight from intermediate.int_match_pairs where sn_level = 'fuzzy'").fetchall()
    return {"first": first, "pinned": pinned, "history": history, "precision": precision, "recall": recall,
            "cases": cases, "clusters": clusters, "fuzzy": fuzzy, "fuzzy_pinned": fuzzy_pinned, "links": links,
            "root": root}


def test_weights_are_estimated_from_real_records_within_bounds(generated):
    est = generated["first"]
    assert set(est) == {n for n in FIXED if n not in (
        "threshold", "nhs_agree", "ni_agree", "reference_agree", "sn_exact_min", "sn_exact_max", "fn_exact_min", "fn_exact_max",
        "pc_exact_min", "pc_exact_max", "addr_exact_min", "addr_exact_max")}
    assert {e["source"] for e in est.values()} == {"estimated"}
    for e in est.values():
        assert 0 < e["m"] < 1 and 0 < e["u"] < 1
        assert e["pairs"] >= 1000 and "candidate pairs" in e["note"]
        assert e["fixed_weight"] == FIXED[e["name"]]
    assert_bounded(est)
    # estimated, not copied: most weights move away from the fixed ones
    assert sum(abs(e["weight"] - e["fixed_weight"]) > 0.01 for e in est.values()) >= 10
    # agreement on an exact date of birth is rare among strangers and common in one person
    assert est["dob_exact"]["m"] > 0.5 and est["dob_exact"]["u"] < 0.01
    assert est["dob_different"]["u"] > 0.9


def test_the_estimated_weights_are_the_ones_scored_and_explained(generated):
    est = generated["first"]
    assert generated["fuzzy"] and {round(w, 9) for (w,) in generated["fuzzy"]} == {round(est["sn_fuzzy"]["weight"], 9)}
    assert generated["links"]
    for score, total in generated["links"]:
        assert math.isclose(score, total, abs_tol=1e-5)  # match_links keeps them as floats


def test_estimated_weights_keep_the_labelled_population_precise(generated):
    assert generated["precision"] >= 0.99, generated["precision"]
    assert generated["recall"] >= 0.9, generated["recall"]


def test_a_pinned_weight_is_used_and_every_build_is_stored(generated):
    pinned = generated["pinned"]
    assert pinned["sn_fuzzy"]["weight"] == 4.25 and pinned["sn_fuzzy"]["source"] == "pinned"
    assert pinned["sn_fuzzy"]["estimated_weight"] == pytest.approx(generated["first"]["sn_fuzzy"]["weight"])
    assert {e["source"] for n, e in pinned.items() if n != "sn_fuzzy"} == {"estimated"}
    assert generated["fuzzy_pinned"] == [(4.25,)]
    history = generated["history"]
    builds = list(dict.fromkeys(h[0] for h in history))
    assert len(builds) == 2 and len(history) == 2 * len(pinned)
    second = {name: (w, source) for inv, name, w, source in history if inv == builds[1]}
    assert second["sn_fuzzy"] == (4.25, "pinned")


@pytest.mark.parametrize("case", LEVEL_CASES, ids=[c[0]["record_key"] for c in LEVEL_CASES])
def test_new_comparison_levels_on_hand_made_pairs(generated, case):
    a, b, levels, link = case
    row = generated["cases"][(a["record_key"], b["record_key"])]
    for col, level in levels.items():
        assert row[col] == level, (col, row[col])
    together = generated["clusters"][a["record_key"]] == generated["clusters"][b["record_key"]]
    if link is not None:
        assert together is link, f"{a['record_key']} and {b['record_key']}: score {row['score']}"


def test_a_tiny_file_falls_back_to_the_fixed_weights_and_says_so(tmp_path):
    recs = [rec("t1", "Pennyfeather", "Lionel", "1950-01-01", "LS1 1AA"),
            rec("t2", "Pennyfeather", "Lionel", "1950-01-01", "LS1 1AB"),
            rec("t3", "Gristwood", "Maud", "1960-02-02", "LS2 2AA"),
            rec("t4", "Gristwood", "Maude", "1960-02-02", "LS2 2AA")]
    wh = build(tmp_path, recs)
    with duckdb.connect(str(wh)) as con:
        est = estimates(con)
        n_clusters = con.execute("select count(distinct cluster_key) from intermediate.int_match_clusters").fetchone()[0]
    assert {e["source"] for e in est.values()} == {"fallback"}
    assert all(e["weight"] == e["fixed_weight"] == FIXED[n] and e["m"] is None for n, e in est.items())
    assert "fewer than 1000 (var match_estimate_min_pairs)" in est["dob_exact"]["note"]
    assert n_clusters == 2
    log = (tmp_path / "dbt" / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "costcalc matching weights: not estimated, the fixed weights are used" in log
    assert "Pennyfeather".upper() not in log.upper()  # no personal data in the message


def test_all_identical_records_fall_back_to_the_fixed_weights(tmp_path):
    recs = [dict(rec(f"same{i}", "Entwistle", "Agnes", "1944-04-04", "BD1 1AA"), person="p") for i in range(400)]
    wh = build(tmp_path, recs)
    with duckdb.connect(str(wh)) as con:
        est = estimates(con)
        clusters = con.execute("select count(distinct cluster_key) from intermediate.int_match_clusters").fetchone()[0]
    assert {e["source"] for e in est.values()} == {"fallback"}
    assert all(e["weight"] == e["fixed_weight"] for e in est.values())
    assert clusters == 1


def test_an_odd_file_cannot_produce_wild_weights(tmp_path):
    """Every person twice, always with a surname typing error and a new postcode: the data
    say a fuzzy surname is certain and a different postcode usual, yet the weights stay
    within their bounds."""
    import random

    rng = random.Random(5)
    people = matchgen.generate(1200, seed=77)
    recs = []
    for i, p in enumerate(people):
        recs.append(dict(p, record_key=f"o{i}a", person_id=f"o{i}"))
        twin = dict(p, record_key=f"o{i}b", person_id=f"o{i}", surname=matchgen.typo(rng, p["surname"] or "X"),
                    postcode=f"ZZ{i % 90 + 10} {i % 9}AB")
        recs.append(twin)
    wh = build(tmp_path, recs)
    with duckdb.connect(str(wh)) as con:
        est = estimates(con)
    assert {e["source"] for e in est.values()} == {"estimated"}
    assert_bounded(est)
    assert est["sn_fuzzy"]["weight"] <= FIXED["sn_fuzzy"] + BAND
    assert est["pc_different"]["weight"] <= 0


def test_reused_weights_stay_when_the_data_change_and_fixed_stay_fixed(tmp_path):
    first = matchgen.generate(2500, seed=3)
    wh = build(tmp_path, first)
    with duckdb.connect(str(wh)) as con:
        before = estimates(con)
    more = first + [dict(r, record_key="x" + r["record_key"], person_id="x" + str(r["person_id"]))
                    for r in matchgen.generate(1500, seed=4)]
    build(tmp_path, more, "{match_reuse_weights: true}", wh=wh)
    with duckdb.connect(str(wh)) as con:
        reused = estimates(con)
        history = con.execute("select count(distinct invocation_id), count(*) "
                              "from intermediate.int_match_weight_history").fetchone()
    assert {e["source"] for e in reused.values()} == {"reused"}
    assert {n: e["weight"] for n, e in reused.items()} == {n: e["weight"] for n, e in before.items()}
    assert history == (2, 2 * len(before))
    build(tmp_path, more, wh=wh)
    with duckdb.connect(str(wh)) as con:
        again = estimates(con)
    assert {e["source"] for e in again.values()} == {"estimated"}
    assert {n: e["weight"] for n, e in again.items()} != {n: e["weight"] for n, e in before.items()}
    build(tmp_path, more, "{match_estimate_weights: false}", wh=wh)
    with duckdb.connect(str(wh)) as con:
        fixed = estimates(con)
    assert {e["source"] for e in fixed.values()} == {"fixed"}
    assert all(e["weight"] == FIXED[n] for n, e in fixed.items())


# -- PostgreSQL: the same levels and the same estimates ------------------------------------


@pytest.fixture(scope="module")
def pg_db():
    pg.server_or_skip()
    with pg.fresh_database() as name:
        yield name


def test_postgres_estimates_the_weights_and_levels_as_duckdb_does(pg_db, generated, tmp_path):
    import psycopg2

    recs = matchgen.generate(3000, seed=1414) + CASE_RECORDS
    s = pg.admin_settings(pg_db)
    dsn = " ".join(f"{k}={v}" for k, v in s.items() if v not in ("", None))
    match_dbt.write_input_postgres(dsn, recs)
    project = match_dbt.make_project(tmp_path / "pg", None, postgres={
        "host": s["host"], "port": int(s["port"]), "user": s["user"], "dbname": pg_db})
    match_dbt.run_dbt(project, "build")
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute("select name, m, u, weight, source, pairs from intermediate.int_match_weight_estimates")
        pg_est = {r[0]: r[1:] for r in cur.fetchall()}
        cur.execute("select record_key_a, record_key_b, sn_level, fn_level, dob_level, pc_level "
                    "from intermediate.int_match_pairs")
        pg_levels = {frozenset(r[:2]): r[2:] for r in cur.fetchall()}
        cur.execute("select count(*) from intermediate.int_match_weight_history")
        assert cur.fetchone()[0] == len(pg_est)
    duck = generated["first"]
    assert set(pg_est) == set(duck)
    for name, (m, u, weight, source, pairs) in pg_est.items():
        assert source == "estimated" and pairs == duck[name]["pairs"]
        assert m == pytest.approx(duck[name]["m"], abs=1e-9) and u == pytest.approx(duck[name]["u"], abs=1e-9)
        assert weight == pytest.approx(duck[name]["weight"], abs=1e-9), name
    for a, b, levels, _ in LEVEL_CASES:
        got = dict(zip(["sn_level", "fn_level", "dob_level", "pc_level"],
                       pg_levels[frozenset((a["record_key"], b["record_key"]))]))
        for col, level in levels.items():
            assert got[col] == level, (a["record_key"], col, got[col])


# -- the whole warehouse build: `costcalc build` says when it falls back, and keeps every build's weights ----


def test_costcalc_build_says_it_fell_back_and_stores_each_builds_weights(tmp_path):
    from dbt_warehouse_helpers import RawWarehouse, d, person

    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "small.csv", [
        dict(person(sn, fn, dob, pc, extref=f"S{i}"), startdate=d("2024-01-01"), cost=1, costfrequency="Daily",
             servicedesc="Support")
        for i, (sn, fn, dob, pc) in enumerate([("Pennyfeather", "Lionel", "1950-01-01", "LS1 1AA"),
                                               ("Pennyfeather", "Lionel", "1950-01-01", "LS1 1AB"),
                                               ("Gristwood", "Maud", "1960-02-02", "LS2 2AA")])])
    text = w.build("+int_match_weight_history").summary()
    assert "warning: costcalc matching weights: not estimated, the fixed weights are used" in text
    assert "PENNYFEATHER" not in text.upper() and "1950" not in text
    w.build("+int_match_weight_history")
    rows = w.query("select invocation_id, name, weight, fixed_weight, source "
                   "from intermediate.int_match_weight_history")
    assert len({r[0] for r in rows}) == 2 and len(rows) == 2 * len({r[1] for r in rows})
    assert all(r[2] == r[3] and r[4] == "fallback" for r in rows)
    assert w.query("select count(*) from intermediate.int_match_weight_estimates") == [(len(rows) // 2,)]
