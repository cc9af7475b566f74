"""Clustering runs each phase until a round changes nothing
(materialized='fixed_point', docs/matching.md), on DuckDB and PostgreSQL.

The repository's clustering models and macros (int_match_cc,
int_match_components, int_match_merge, int_match_clusters,
macros/matching/) run in a small dbt project whose inputs (int_match_edges,
int_match_cannot, int_match_profiles, int_match_records) are tables the test
writes, so a graph is clustered without building a warehouse. Checked
against plain Python: union-find (no conflicts) and the conflict-aware rule
(each cluster picks its best compatible link, mutual picks merge, in rounds).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import uuid
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
MANUAL = 1_000_000.0  # macros/matching/match_manual_score.sql
CLUSTERING_MODELS = ("int_match_cc.sql", "int_match_components.sql", "int_match_merge.sql",
                     "int_match_clusters.sql", "_clustering.yml")
STUBS = {
    "int_match_edges": "select a, b, score from clustering_input.edges",
    "int_match_cannot": "select a, b, by_person from clustering_input.cannot",
    "int_match_profiles": "select node as profile_key, nhs, ni from clustering_input.nodes",
    "int_match_records": "select node as record_key, node as profile_key, node as seen_key from clustering_input.nodes",
}


# ---------------------------------------------------------------- references

def union_find(nodes, edges) -> dict[str, str]:
    """Connected components, each node labelled by its component's smallest node."""
    parent = {n: n for n in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {n: find(n) for n in nodes}


def conflict_aware(graph) -> dict[str, str]:
    """The clustering rule of docs/matching.md, written out in Python: components
    of the link graph, except that a component holding two different NHS (or NI)
    numbers or a cannot-link pair is rebuilt in rounds where each cluster picks
    its best link (highest score, then smallest label) to a cluster it may join,
    and clusters that picked each other merge under the smaller label."""
    nodes, edges, cannot = graph["nodes"], graph["edges"], graph["cannot"]
    linked = sorted({x for a, b, _ in edges for x in (a, b)})
    cc = union_find(linked, edges)
    members = defaultdict(set)
    for n, lab in cc.items():
        members[lab].add(n)
    constrained = set()
    for lab, ms in members.items():
        for field in ("nhs", "ni"):
            if len({nodes[m][field] for m in ms if nodes[m][field] is not None}) > 1:
                constrained.add(lab)
    for a, b, _ in cannot:
        if a in cc and b in cc and cc[a] == cc[b]:
            constrained.add(cc[a])
    label = {n: n for n in linked if cc[n] in constrained}
    while True:
        groups = defaultdict(set)
        for n, lab in label.items():
            groups[lab].add(n)

        def span(lab, field):
            values = [nodes[m][field] for m in groups[lab] if nodes[m][field] is not None]
            return (min(values), max(values)) if values else None

        def compatible(x, y, field):
            sx, sy = span(x, field), span(y, field)
            return sx is None or sy is None or sx == sy

        link = {}
        for a, b, s in edges:
            if a in label and b in label and label[a] != label[b]:
                key = tuple(sorted((label[a], label[b])))
                link[key] = max(link.get(key, s), s)
        apart = {}
        for a, b, by_person in cannot:
            if a in label and b in label:
                key = tuple(sorted((label[a], label[b])))
                apart[key] = max(apart.get(key, by_person), by_person)
        best = {}
        for (x, y), s in link.items():
            if not ((s >= MANUAL and apart.get((x, y), 0) == 0)
                    or ((x, y) not in apart and compatible(x, y, "nhs") and compatible(x, y, "ni"))):
                continue
            for c, o in ((x, y), (y, x)):
                if c not in best or (-s, o) < (-best[c][1], best[c][0]):
                    best[c] = (o, s)
        merges = {o: c for c, (o, _) in best.items() if c < o and best.get(o, (None,))[0] == c}
        if not merges:
            break
        label = {n: merges.get(lab, lab) for n, lab in label.items()}
    return {n: label.get(n, cc.get(n, n)) for n in nodes}


# ---------------------------------------------------------------- graphs

def random_graph(rng: random.Random, prefix: str, size: int, conflicts: bool) -> dict:
    """Profiles with shuffled ids, random links with tied scores and a few manual
    links; with conflicts, some NHS/NI numbers and cannot-link pairs."""
    ids = [f"{prefix}p{i:05d}" for i in range(size)]
    rng.shuffle(ids)
    nhs_pool, ni_pool = ["9434765919", "9434765870", "4010232137"], ["AB123456", "CE654321"]
    nodes = {n: {"nhs": rng.choice(nhs_pool) if conflicts and rng.random() < 0.3 else None,
                 "ni": rng.choice(ni_pool) if conflicts and rng.random() < 0.2 else None} for n in ids}
    edges = {}
    for _ in range(int(size * 1.1)):
        a, b = rng.sample(ids, 2) if size > 1 else (ids[0], ids[0])
        if a == b:
            continue
        a, b = min(a, b), max(a, b)
        edges[(a, b)] = MANUAL if rng.random() < 0.05 else float(rng.randint(20, 30))
    cannot = []
    if conflicts:
        for _ in range(max(1, size // 6)):
            a, b = rng.sample(ids, 2)
            cannot.append((a, b, 1 if rng.random() < 0.3 else 0))
    return {"nodes": nodes, "edges": [(a, b, s) for (a, b), s in sorted(edges.items())], "cannot": cannot}


def chain_graph(size: int, seed: int = 3, prefix: str = "c", conflict: bool = True) -> dict:
    """size profiles in a line, ids in an order min-label propagation finds slow;
    with conflict, different NHS numbers at the two ends (so the whole line is
    rebuilt) and scores rising along the line (so the rebuild merges one pair
    per round, and the weakest link, the first, is the one cut)."""
    ids = [f"{prefix}p{i:05d}" for i in range(size)]
    random.Random(seed).shuffle(ids)
    nodes = {n: {"nhs": None, "ni": None} for n in ids}
    if conflict:
        nodes[ids[0]]["nhs"], nodes[ids[-1]]["nhs"] = "9434765919", "9434765870"
    edges = [(min(a, b), max(a, b), 20.0 + i / size) for i, (a, b) in enumerate(zip(ids, ids[1:]))]
    return {"nodes": nodes, "edges": edges, "cannot": []}


def union(*graphs) -> dict:
    out = {"nodes": {}, "edges": [], "cannot": []}
    for g in graphs:
        out["nodes"].update(g["nodes"])
        out["edges"] += g["edges"]
        out["cannot"] += g["cannot"]
    return out


# ---------------------------------------------------------------- engines

class Engine:
    """A dbt project with the real clustering models on one engine."""

    def __init__(self, root: Path, target: str, dbname: str | None = None):
        self.root, self.target, self.dbname = Path(root), target, dbname
        self.warehouse = self.root / "wh.duckdb"
        project = self.root / "dbt"
        (project / "models").mkdir(parents=True)
        for name in CLUSTERING_MODELS:
            shutil.copy(REPO / "models" / "intermediate" / "matching" / name, project / "models" / name)
        for name, sql in STUBS.items():
            (project / "models" / f"{name}.sql").write_text(sql + "\n")
        shutil.copytree(REPO / "macros" / "matching", project / "macros")
        shutil.copy(REPO / "macros" / "generate_schema_name.sql", project / "macros" / "generate_schema_name.sql")
        (project / "tests").mkdir()
        shutil.copy(REPO / "tests" / "dbt" / "assert_match_clusters_converged.sql", project / "tests")
        (project / "dbt_project.yml").write_text(
            "name: costcalc\nversion: '0.1.0'\nconfig-version: 2\nprofile: clustering\n"
            "flags:\n  send_anonymous_usage_stats: false\n  use_colors: false\n"
            "models:\n  costcalc:\n    +schema: intermediate\n    +materialized: table\n")
        if target == "duckdb":
            output = f"      type: duckdb\n      path: '{self.warehouse}'\n      schema: main\n"
        else:
            from costcalc.warehouse.engines import postgres_settings

            s = postgres_settings()
            output = (f"      type: postgres\n      host: '{s['host']}'\n      port: {s['port']}\n"
                      f"      user: '{s['user']}'\n      password: '{s.get('password') or ''}'\n"
                      f"      dbname: '{dbname}'\n      schema: public\n")
        (project / "profiles.yml").write_text(
            f"clustering:\n  target: t\n  outputs:\n    t:\n{output}      threads: 1\n")
        self.project = project

    # -- data
    def _connect(self):
        if self.target == "duckdb":
            return duckdb.connect(str(self.warehouse))
        import psycopg2

        from costcalc.warehouse.engines import postgres_settings

        s = postgres_settings()
        s["dbname"] = self.dbname
        con = psycopg2.connect(**s)
        con.autocommit = True
        return con

    def query(self, sql: str) -> list[tuple]:
        con = self._connect()
        try:
            cur = con.cursor()
            cur.execute(sql)
            return cur.fetchall()
        finally:
            con.close()

    def write(self, graph: dict) -> None:
        con = self._connect()
        try:
            cur = con.cursor()
            cur.execute("create schema if not exists clustering_input")
            for table, cols, rows in (
                    ("nodes", "node varchar(40), nhs varchar(10), ni varchar(8)",
                     [(n, v["nhs"], v["ni"]) for n, v in graph["nodes"].items()]),
                    ("edges", "a varchar(40), b varchar(40), score double precision", graph["edges"]),
                    ("cannot", "a varchar(40), b varchar(40), by_person integer", graph["cannot"])):
                cur.execute(f"drop table if exists clustering_input.{table} cascade")
                cur.execute(f"create table clustering_input.{table} ({cols})")
                if rows:
                    marks = ", ".join(["?" if self.target == "duckdb" else "%s"] * len(rows[0]))
                    cur.executemany(f"insert into clustering_input.{table} values ({marks})", rows)
        finally:
            con.close()

    # -- dbt
    def dbt(self, *args: str):
        from dbt.cli.main import dbtRunner

        return dbtRunner().invoke([*args, "--project-dir", str(self.project), "--profiles-dir", str(self.project),
                                   "--log-path", str(self.project / "logs"),
                                   "--target-path", str(self.project / "target"), "--quiet"])

    def run(self, *extra: str) -> dict[str, str]:
        """dbt run of the clustering; returns each model's run message."""
        res = self.dbt("run", *extra)
        assert res.success, self.failures(res)
        return self.messages()

    def messages(self) -> dict[str, str]:
        results = json.loads((self.project / "target" / "run_results.json").read_text())["results"]
        return {r["unique_id"].split(".")[-1]: r["message"] for r in results}

    @staticmethod
    def failures(res) -> str:
        if res.exception is not None:
            return str(res.exception)
        return "; ".join(f"{r.node.name}: {r.message}" for r in res.result.results
                         if str(r.status) not in ("success", "pass"))

    def clusters(self) -> dict[str, str]:
        return dict(self.query("select record_key, cluster_label from intermediate.int_match_clusters"))

    def tables(self) -> set[str]:
        return {r[0] for r in self.query("select table_name from information_schema.tables "
                                         "where table_schema = 'intermediate'")}


def _postgres_or_skip():
    if not os.environ.get("COSTCALC_PG_HOST"):
        if os.environ.get("COSTCALC_TEST_POSTGRES") == "1":
            pytest.fail("COSTCALC_TEST_POSTGRES=1 but COSTCALC_PG_HOST is not set")
        pytest.skip("no PostgreSQL server configured (eval \"$(scripts/start-postgres.sh)\")")
    pytest.importorskip("psycopg2")
    pytest.importorskip("dbt.adapters.postgres")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def engine_factory(request, tmp_path_factory):
    """Makes fresh clustering projects on one engine (a new PostgreSQL database each)."""
    made = []

    def make() -> Engine:
        root = tmp_path_factory.mktemp(f"clustering_{request.param}")
        if request.param == "duckdb":
            return Engine(root, "duckdb")
        import psycopg2

        from costcalc.warehouse.engines import postgres_settings

        s = postgres_settings()
        s["dbname"] = "postgres"
        name = f"costcalc_clustering_{uuid.uuid4().hex[:10]}"
        con = psycopg2.connect(**s)
        con.autocommit = True
        con.cursor().execute(f"create database {name}")
        con.close()
        made.append(name)
        return Engine(root, "postgres", name)

    if request.param == "postgres":
        _postgres_or_skip()
    yield make
    if made:
        import psycopg2

        from costcalc.warehouse.engines import postgres_settings

        s = postgres_settings()
        s["dbname"] = "postgres"
        con = psycopg2.connect(**s)
        con.autocommit = True
        for name in made:
            con.cursor().execute(f"drop database if exists {name} with (force)")
        con.close()


# ---------------------------------------------------------------- tests

GRAPHS = {f"{'conflicts' if c else 'plain'}_{n}": (n, c) for n in (2, 12, 60, 400, 2500) for c in (False, True)}


@pytest.fixture(scope="module")
def random_run(engine_factory):
    """Every random graph, disjoint, clustered by one dbt build (the unit tests and
    the convergence test included)."""
    rng = random.Random(20261130)
    graphs = {name: random_graph(rng, f"g{i:02d}", n, c) for i, (name, (n, c)) in enumerate(GRAPHS.items())}
    engine = engine_factory()
    engine.write(union(*graphs.values()))
    res = engine.dbt("build")
    assert res.success, engine.failures(res)
    statuses = {r.node.resource_type: set() for r in res.result.results}
    for r in res.result.results:
        statuses[r.node.resource_type].add(str(r.status))
    return engine, graphs, engine.clusters(), statuses


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_random_graphs_cluster_as_the_python_reference(random_run, name):
    engine, graphs, got, _ = random_run
    graph = graphs[name]
    mine = {n: got[n] for n in graph["nodes"]}
    expected = conflict_aware(graph)
    assert mine == expected
    if not name.startswith("conflicts"):
        assert mine == union_find(graph["nodes"], graph["edges"])
    else:
        # the constraints hold: no cluster holds a manual unlink or two NHS numbers
        members = defaultdict(set)
        for n, lab in mine.items():
            members[lab].add(n)
        for a, b, by_person in graph["cannot"]:
            assert not (by_person and mine[a] == mine[b]), (a, b)
        for ms in members.values():
            assert len({graph["nodes"][m]["nhs"] for m in ms} - {None}) <= 1 or any(
                s >= MANUAL for a, b, s in graph["edges"] if a in ms and b in ms)


def test_the_build_ran_the_unit_tests_and_left_no_round_tables(random_run):
    engine, _, _, statuses = random_run
    assert statuses.get("unit_test") == {"pass"}, statuses
    assert statuses.get("test") == {"pass"}, statuses
    tables = engine.tables()
    assert {"int_match_cc", "int_match_merge"} <= tables
    assert not [t for t in tables if "__round" in t or "__dbt" in t], tables


def test_long_chains_need_many_rounds_and_still_converge(engine_factory):
    engine = engine_factory()
    line = chain_graph(300, prefix="l", conflict=False)  # 118 rounds of connected components
    split = chain_graph(60, prefix="s")  # 59 rounds of the constrained rebuild
    engine.write(union(line, split))
    # tables of the round models clustering had before, in a warehouse built then
    for old in ("int_match_cc_00", "int_match_merge_12"):
        engine.query(f"create schema if not exists intermediate; create table intermediate.{old} as select 1 as x; "
                     "select 1")
    messages = engine.run("--vars", "{match_max_rounds: 1000}")
    assert not {"int_match_cc_00", "int_match_merge_12"} & engine.tables()
    rounds = {m: int(messages[m].split()[2]) for m in ("int_match_cc", "int_match_merge")}
    assert rounds["int_match_cc"] > 100 and rounds["int_match_merge"] > 50, messages
    got = engine.clusters()
    assert {n: got[n] for n in line["nodes"]} == union_find(line["nodes"], line["edges"])
    assert {n: got[n] for n in split["nodes"]} == conflict_aware(split)
    assert len({got[n] for n in split["nodes"]}) == 2
    res = engine.dbt("test", "--select", "assert_match_clusters_converged")
    assert res.success, engine.failures(res)


def test_more_rounds_than_allowed_fail_clearly_and_keep_the_last_table(engine_factory):
    engine = engine_factory()
    small = random_graph(random.Random(5), "s", 12, False)
    engine.write(small)
    engine.run()
    before = engine.query("select node, label from intermediate.int_match_cc order by node")
    engine.write(chain_graph(30))  # 13 rounds of connected components
    res = engine.dbt("run", "--vars", "{match_max_rounds: 4}")
    assert not res.success
    message = engine.failures(res)
    assert "int_match_cc did not converge" in message and "round 4 still changed" in message, message
    assert "match_max_rounds" in message
    # nothing replaced, nothing left behind
    assert engine.query("select node, label from intermediate.int_match_cc order by node") == before
    assert not [t for t in engine.tables() if "__round" in t or "__dbt" in t]
    # with enough rounds the same input builds
    engine.run("--vars", "{match_max_rounds: 40}")
    assert engine.clusters() == conflict_aware(chain_graph(30))
