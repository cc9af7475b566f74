"""The at-risk hits are kept between builds by client (int_at_risk_hits_by_client; docs/scale.md,
"Incremental builds"), on DuckDB and PostgreSQL, with test_at_risk.py's borough: real CSV files,
loads and builds.

1. The borough without the substance misuse file and the October Troubled Families list,
   built in full.
2. Both loaded, built incrementally: only the clients whose rows they change (Eve, Dan, Hal, Ivy)
   are evaluated again; Ann, Bob, Cat (first listed in July either way), Frank and Grace keep
   the first build's rows.
3. A June housing benefit snapshot without Ann's claim (the snapshots are the same for everyone:
   everyone is evaluated again; Ann's claim is now known to have ended on 30/06, not 31/05).
4. `costcalc unload` of the October list: Hal, whose only record it held, is gone.

After each incremental build, the hits, the flags and the backtest mart equal those of
`--full-refresh` on the same warehouse.
"""

from __future__ import annotations

import pytest

from costcalc.ingest.landing import load_file
from costcalc.paths import PROJECT_ENV, environment
from costcalc.transform.publish import build_and_publish
from test_at_risk import FILES, HB_HEAD, RULES, _hb, built_borough, invoke, restricted_rows, write_csv

HELD_BACK = ("drugs_2024.csv", "tf_2024_10.csv")
JUNE = [HB_HEAD, _hb("R2", "bob", "30/06/2024")]


@pytest.fixture(params=["duckdb", "postgres"])
def first_built(request, tmp_path):
    files = {name: f for name, f in FILES.items() if name not in HELD_BACK}
    with built_borough(request.param, tmp_path, RULES, files, "disclosure:\n  threshold: 1\n") as built:
        yield (*built, tmp_path)


def query(engine, wh, sql):
    con = engine.open(wh)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def state(engine, wh) -> dict:
    return {
        "hits": sorted(query(engine, wh, "SELECT condition_id, rule_id, CAST(as_at_date AS VARCHAR(10)), client_id, "
                                         "record_key FROM intermediate.int_at_risk_condition_hits")),
        "flags": sorted(query(engine, wh, "SELECT rule_id, CAST(as_at_date AS VARCHAR(10)), client_id "
                                          "FROM intermediate.int_at_risk_flags")),
        "backtest": sorted(map(repr, query(engine, wh, "SELECT * FROM marts.fct_at_risk_backtest"))),
    }


def evaluated_by(engine, wh) -> dict:
    """client -> the builds whose rows it has (one: a client is evaluated as a whole)."""
    out: dict = {}
    for client, inv in query(engine, wh, "SELECT DISTINCT client_id, evaluated_by_invocation "
                                         "FROM intermediate.int_at_risk_hits_by_client"):
        out.setdefault(client, set()).add(inv)
    assert all(len(v) == 1 for v in out.values())
    return {c: next(iter(v)) for c, v in out.items()}


def build(engine, project, wh, root, full_refresh=False):
    with engine.selected(), environment({PROJECT_ENV: str(project)}):
        result = build_and_publish(wh, target_path=root / "dbt_target", full_refresh=full_refresh)
    assert result.success and result.published, result.summary()


def load(engine, project, wh, root, name, spec):
    schema, file_type, extract, rows = spec
    with engine.selected(), environment({PROJECT_ENV: str(project)}):
        res = load_file(wh, write_csv(root / name, rows), schema=schema, file_type=file_type, extract_date=extract)
    assert res.status == "loaded" and res.rows_rejected == 0, (name, res.message)
    return res.load_id


def check_equals_full_refresh(engine, project, wh, root) -> dict:
    incremental = state(engine, wh)
    build(engine, project, wh, root, full_refresh=True)
    assert len(set(evaluated_by(engine, wh).values())) == 1  # the full build evaluated everyone
    full = state(engine, wh)
    for part in incremental:
        assert incremental[part] == full[part], f"{part} differs between the incremental and the full build"
    return full


def test_incremental_at_risk_hits_equal_full_builds_and_evaluate_only_touched_clients(first_built):
    engine, project, wh, root = first_built
    ids = dict(restricted_rows(engine, wh, "SELECT reference, client_id FROM restricted.identity_records"))
    who = {name: ids[ref] for name, ref in (("ann", "P1"), ("bob", "R2"), ("cat", "T-CAT"), ("dan", "P4"),
                                            ("eve", "P5"), ("frank", "P6"), ("grace", "P7"), ("ivy", "A9"))}
    first = evaluated_by(engine, wh)
    assert set(who.values()) <= set(first)

    # 2. new records for Eve, Cat, Dan, Ivy and a new person, Hal
    loaded = {name: load(engine, project, wh, root, name, FILES[name]) for name in HELD_BACK}
    build(engine, project, wh, root)
    second = evaluated_by(engine, wh)
    ids = dict(restricted_rows(engine, wh, "SELECT reference, client_id FROM restricted.identity_records"))
    # Cat was on the July list already: the October one does not change when she was first listed
    touched = {who["eve"], who["dan"], who["ivy"], ids["T-HAL"]}
    assert {c for c in second if second[c] != first.get(c)} == touched
    hits = state(engine, wh)["hits"]
    assert any(h[3] == who["eve"] for h in hits) and any(h[3] == ids["T-HAL"] for h in hits)
    check_equals_full_refresh(engine, project, wh, root)

    # 3. a June snapshot: the same for everyone, so everyone is evaluated again
    before = evaluated_by(engine, wh)
    ended = [h for h in state(engine, wh)["hits"] if h[3] == who["ann"]]
    load(engine, project, wh, root, "hb_2024_06.csv", ("RB01", "housing_benefit", None, JUNE))
    build(engine, project, wh, root)
    after = evaluated_by(engine, wh)
    assert all(after[c] != before[c] for c in after)
    full = check_equals_full_refresh(engine, project, wh, root)
    assert [h for h in full["hits"] if h[3] == who["ann"]] == ended  # R1 still first missing from 31/05

    # 4. the October list unloaded: Hal is gone, and so are his rows
    res = invoke(engine, project, wh, "unload", str(loaded["tf_2024_10.csv"]), "--reason",
                 "Loaded into the wrong provider folder, ticket 5120")
    assert res.exit_code == 0, res.output
    build(engine, project, wh, root)
    assert ids["T-HAL"] not in evaluated_by(engine, wh)
    check_equals_full_refresh(engine, project, wh, root)
