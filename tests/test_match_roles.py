"""`costcalc match explain` and `costcalc match review` under the access roles of
`costcalc setup-roles`, on a real PostgreSQL server (docs/matching.md, "For caseworkers";
docs/engines.md, "Access roles").

A caseworker's login (member of costcalc_caseworker) explains and reviews, and records
decisions; it reads exactly the match evidence (the intermediate matching tables those
commands read, restricted.identity_records and match_links) and nothing else of the
intermediate layer, and may only add rows to the audit. An analyst's login is refused in
one line that names no person, and nothing is recorded.
"""

from __future__ import annotations

import csv

import pytest

from helpers import postgres as pg
from helpers.engines import Engine
from test_match_explain import ACCESS, FILE, PERSONAL, _make, ref


_as = pg.run_as
_denied = pg.denied


class Roles:
    def __init__(self, built, db, logins):
        self.built, self.db, self.logins = built, db, logins

    def cli(self, who: str, *args):
        """The CLI run under one role's login (who: caseworker, analyst)."""
        from costcalc.paths import environment

        with environment({"COSTCALC_PG_USER": self.logins[who], "COSTCALC_PG_PASSWORD": ""}):
            return self.built.cli(*args)


@pytest.fixture(scope="module")
def roles(tmp_path_factory):
    from click.testing import CliRunner

    from costcalc.cli import main
    from costcalc.paths import environment

    pg.server_or_skip()
    with pg.fresh_database() as db:
        built = _make(Engine("postgres", {"COSTCALC_PG_DATABASE": db}), tmp_path_factory.mktemp("match_roles"))
        suffix = db.rsplit("_", 1)[-1]
        logins = {k: f"cc_m{k}_{suffix}" for k in ("analyst", "caseworker")}
        for login in logins.values():
            pg.admin(f"CREATE ROLE {login} LOGIN")
        try:
            with environment(built.env), built.engine.selected():
                res = CliRunner().invoke(main, ["--target", "postgres", "setup-roles"]
                                         + [a for k, v in logins.items() for a in ("--member", f"{k}={v}")])
            assert res.exit_code == 0, res.output
            yield Roles(built, db, logins)
        finally:
            for login in logins.values():
                pg.admin(f"DROP OWNED BY {login} CASCADE", db)
                pg.admin(f"DROP ROLE IF EXISTS {login}")


def _review_log(r: Roles) -> list[tuple]:
    return pg.admin("select action, logged_by, pairs_shown from audit.match_review_log order by logged_at", r.db)


def test_a_caseworker_explains_and_reviews_under_the_caseworker_role(roles, tmp_path):
    c = roles.logins["caseworker"]
    res = roles.cli("caseworker", "match", "explain", ref(2), ref(3), *ACCESS)
    assert res.exit_code == 0, res.output
    assert "ONE PERSON" in res.output and "+20.50   (threshold 20: at or above)" in res.output
    res = roles.cli("caseworker", "match", "explain", ref(6), ref(8), *ACCESS)   # the path through match_links
    assert res.exit_code == 0, res.output
    assert "one client through other records" in res.output
    res = roles.cli("caseworker", "match", "review", *ACCESS)
    assert res.exit_code == 0, res.output
    assert "Pemberten" in res.output
    assert [row[:2] for row in _review_log(roles)][-3:] == [("explain", c), ("explain", c), ("review", c)]
    # the reviewer's decisions are recorded under the caseworker's login too
    out = tmp_path / "review.csv"
    res = roles.cli("caseworker", "match", "review", "--format", "csv", "--output", str(out), *ACCESS)
    assert res.exit_code == 0, res.output
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for row in rows[1:]:
        if {row[header.index("record_a")], row[header.index("record_b")]} == {ref(11), ref(12)}:
            row[header.index("decision")] = "link"
            row[header.index("reason")] = "Same woman: confirmed with her GP practice"
    with open(out, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    res = roles.cli("caseworker", "match", "review", "--decide", str(out))
    assert res.exit_code == 0, res.output
    assert "Recorded 1 decision(s) (1 link, 0 unlink)" in res.output
    assert pg.admin("select count(*) from audit.match_log where decision = 'link' "
                    "and reason like 'Same woman%%'", roles.db)[0][0] == 1


def test_a_caseworker_reads_the_match_evidence_and_nothing_else(roles):
    from costcalc.warehouse.roles import MATCH_EVIDENCE_TABLES

    c = roles.logins["caseworker"]
    for table in MATCH_EVIDENCE_TABLES:
        _as(c, roles.db, f"select count(*) from intermediate.{table}")
    others = [t for (t,) in pg.admin("select table_name from information_schema.tables where table_schema = "
                                     "'intermediate'", roles.db) if t not in MATCH_EVIDENCE_TABLES]
    assert "int_cost_monthly" in others and "int_records" in others
    for table in others:
        assert _denied(c, roles.db, f"select 1 from intermediate.{table} limit 1"), table
    for sql in ("select * from audit.match_review_log", "delete from audit.match_review_log",
                "update audit.match_review_log set reason = 'x'", "select * from audit.match_log",
                "delete from audit.match_log", "delete from restricted.match_links",
                "delete from intermediate.int_match_pairs", "select * from raw.load_log limit 1",
                "create table intermediate.x (a int)"):
        assert _denied(c, roles.db, sql), sql


def test_the_grants_survive_a_rebuild(roles):
    roles.built.build()            # dbt creates the intermediate tables again, as the builder
    res = roles.cli("caseworker", "match", "explain", ref(4), ref(5), *ACCESS)
    assert res.exit_code == 0, res.output
    assert "CONFLICT: different first names" in res.output


@pytest.mark.parametrize("command", [
    ["match", "explain", ref(2), ref(3), *ACCESS],
    ["match", "review", *ACCESS],
])
@pytest.mark.parametrize("last_build_sql", [True, False], ids=["last-build-sql", "dbt-would-compile"])
def test_an_analyst_is_refused_in_one_line_naming_no_one(roles, command, last_build_sql, monkeypatch):
    from costcalc.matching import comparison

    def no_dbt(*args, **kwargs):
        raise AssertionError("dbt compiled the comparison for a login that may not see it")

    if not last_build_sql:  # without the last build's SQL, refused before dbt would compile it
        monkeypatch.setattr(comparison, "_last_build", lambda *a: None)
        monkeypatch.setattr("costcalc.transform.build.invoke_dbt", no_dbt)
    before = pg.admin("select count(*) from audit.match_review_log", roles.db)[0][0]
    res = roles.cli("analyst", *command)
    assert res.exit_code != 0
    assert "costcalc_caseworker" in res.output and roles.logins["analyst"] in res.output, res.output
    assert "run `costcalc build` first" not in res.output
    assert not any(p in res.output for p in PERSONAL) and FILE not in res.output.replace(ref(2), "").replace(
        ref(3), "")
    assert pg.admin("select count(*) from audit.match_review_log", roles.db)[0][0] == before


def test_an_analyst_cannot_record_decisions(roles, tmp_path):
    seeds = roles.built.project / "seeds" / "match_decisions.csv"
    before = seeds.read_text()
    path = tmp_path / "reviewed.csv"
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([["record_a", "record_b", "decision", "reason"],
                                 [ref(2), ref(3), "unlink", "Different people, I am sure of it"]])
    for command in (["match", "review", "--decide", str(path)],
                    ["match", "unlink", ref(2), ref(3), "--reason", "Different people, I am sure of it"]):
        res = roles.cli("analyst", *command)
        assert res.exit_code != 0 and "costcalc_caseworker" in res.output, res.output
        assert not any(p in res.output for p in PERSONAL)
    assert seeds.read_text() == before


def test_the_evidence_tables_are_every_table_the_commands_read(roles):
    """MATCH_EVIDENCE_TABLES holds every intermediate table the build's comparison SQL reads
    (int_match_pairs and the stored levels' int_match_pair_levels, whose SQL explain runs
    too, as compiled by the last build) and every one the commands name, and nothing more."""
    import re
    from pathlib import Path

    import sqlglot
    from sqlglot import exp

    from costcalc.warehouse.roles import MATCH_EVIDENCE_TABLES

    read = set()
    for model in ("int_match_pairs", "int_match_pair_levels"):
        compiled = next(roles.built.project.rglob(f"compiled/**/{model}.sql")).read_text()
        tree = sqlglot.parse_one(compiled, read="postgres")
        ctes = {c.alias for c in tree.find_all(exp.CTE)}
        read |= {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}
    assert {"int_match_pair_levels", "int_match_candidates"} <= read, read
    assert read <= set(MATCH_EVIDENCE_TABLES), read
    source = "\n".join(p.read_text() for p in Path(__import__("costcalc.matching", fromlist=["x"]).__file__)
                       .parent.glob("*.py"))
    named = set(re.findall(r"intermediate\(con, [\"'](int_\w+)[\"']", source))
    assert named and named <= set(MATCH_EVIDENCE_TABLES), named
    # int_match_weight_estimates: read by dbt when it compiles int_match_pairs (the weights)
    macro = Path(__file__).resolve().parents[1] / "macros" / "matching" / "match_weights_used.sql"
    assert "int_match_weight_estimates" in macro.read_text()
    assert set(MATCH_EVIDENCE_TABLES) == read | named | {"int_match_weight_estimates"}
