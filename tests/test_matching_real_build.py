"""Matching inside the whole warehouse build: the real dbt project, with a project
directory of the test's own (its decisions go to its seeds/match_decisions.csv), on a real
DuckDB file whose raw layer the test fills. Client ids stay stable when
matching merges two people and when a manual decision splits them again;
manual decisions made with `costcalc match` survive every rebuild.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import main as cli
from costcalc.paths import PROJECT_ENV
from costcalc.lookup import default_user
from dbt_warehouse_helpers import RawWarehouse, d, person

from helpers import matchgen

REPO = Path(__file__).resolve().parents[1]
NHS1 = matchgen.valid_nhs(random.Random(11))
#: What matching and `costcalc match` need (the costing marts are not built here, to keep this quick).
BUILD = "+client_record_links +identity_records +match_links"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project directory of its own (docs/project.md), with no match decisions yet:
    `costcalc match` writes there and the build reads from there."""
    root = tmp_path / "project"
    (root / "seeds").mkdir(parents=True)
    (root / "seeds" / "match_decisions.csv").write_text(
        (REPO / "seeds" / "match_decisions.csv").read_text().splitlines()[0] + "\n")
    monkeypatch.setenv(PROJECT_ENV, str(root))
    return root


def asc(surname, firstname, dob, postcode, line, nhsno=None):
    return person(surname, firstname, dob, postcode, nhsno=nhsno, start=d("2024-01-01"), cost=100, frequency="Weekly",
                  servicetype="Home care", carepackagelineitemid=line)


def gs(surname, firstname, dob, postcode, extref, nhsno=None):
    return person(surname, firstname, dob, postcode, nhsno=nhsno, extref=extref, startdate=d("2024-02-01"),
                  cost=10, costfrequency="Weekly", servicedesc="Support")


def client_of(w: RawWarehouse, source_file: str, row: int) -> str:
    return w.scalar("select client_id from marts.client_record_links where source_file = ? and source_row = ?",
                    [source_file, row])


def decide(w: RawWarehouse, project: Path, verb: str, a: str, b: str, reason: str):
    return CliRunner().invoke(cli, ["--warehouse", str(w.path), "match", verb, a, b, "--reason", reason,
                                    "--user", "caseworker1"])


def test_ids_survive_merge_and_split_and_decisions_survive_rebuilds(tmp_path, project):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("ASC01", "asc_1.csv", [asc("Quennell", "John", "1980-01-02", "LS1 1AA", "L1", nhsno=NHS1)])
    w.load("GS00", "gs_1.csv", [
        gs("Quennell", "Jon", "1980-01-03", "BD2 2BB", "E1"),           # too little alone: a new person
        gs("Sowerby", "Kathleen", "1952-12-01", "WF2 2AA", "E2"),
        gs("Sowerby", "Kath", "1952-01-12", "YO8 8ZZ", "E3"),            # the same woman, says a caseworker later
    ])
    w.build(BUILD)
    first = {k: client_of(w, f, r) for k, f, r in
             (("asc", "asc_1.csv", 2), ("jon", "gs_1.csv", 2), ("kathleen", "gs_1.csv", 3), ("kath", "gs_1.csv", 4))}
    assert first == {"asc": "C00000001", "jon": "C00000002", "kathleen": "C00000003", "kath": "C00000004"}

    # A new record carries John's NHS number and Jon's details: matching merges them, the oldest id wins.
    w.load("GS00", "gs_2.csv", [gs("Quennell", "Jon", "1980-01-03", "BD2 2BB", "E4", nhsno=NHS1)])
    w.build(BUILD)
    assert client_of(w, "asc_1.csv", 2) == client_of(w, "gs_1.csv", 2) == client_of(w, "gs_2.csv", 2) == "C00000001"
    assert w.scalar("select rule from restricted.match_links where rule = 'nhs_number'") == "nhs_number"

    # A caseworker: gs_1 row 2 is not the person of gs_2 row 2; and the two Sowerby records are one woman.
    r = decide(w, project, "unlink", "C00000001:GS00:gs_1.csv:2", "GS00:gs_2.csv:2", "Different person, checked with GP")
    assert r.exit_code == 0, r.output
    r = decide(w, project, "link", "GS00:gs_1.csv:3", "C00000004:GS00:gs_1.csv:4", "Same woman, confirmed by phone")
    assert r.exit_code == 0, r.output
    seed = (project / "seeds" / "match_decisions.csv").read_text().splitlines()
    assert len(seed) == 3 and seed[1].startswith("unlink,") and seed[2].startswith("link,")
    assert default_user() in seed[1] and "caseworker1" not in seed[1] and "checked with GP" in seed[1]
    assert w.scalar("select count(*) from restricted.audit.match_log") == 2

    w.build(BUILD)
    split = {k: client_of(w, f, r) for k, f, r in
             (("asc", "asc_1.csv", 2), ("jon", "gs_1.csv", 2), ("jon2", "gs_2.csv", 2),
              ("kathleen", "gs_1.csv", 3), ("kath", "gs_1.csv", 4))}
    assert split["asc"] == split["jon2"] == "C00000001"        # the larger part keeps the id
    assert split["jon"] == "C00000005"                          # the smaller part: a new id, never a reused one
    assert split["kathleen"] == split["kath"] == "C00000003"   # merged by hand: the oldest id wins
    rules = dict(w.query("select rule, count(*) from restricted.match_links group by rule"))
    assert rules.get("manual_link") == 1 and rules.get("manual_unlink", 0) >= 1

    # Decisions hold on every rebuild, and after new loads.
    w.load("GS00", "gs_3.csv", [gs("Sowerby", "Kathleen", "1952-12-01", "WF2 2AA", "E9")])
    w.build(BUILD)
    assert client_of(w, "gs_1.csv", 2) == "C00000005"
    assert client_of(w, "gs_1.csv", 3) == client_of(w, "gs_1.csv", 4) == client_of(w, "gs_3.csv", 2) == "C00000003"
    assert client_of(w, "gs_2.csv", 2) == "C00000001"


def test_match_command_refuses_unknown_rows_and_missing_reasons(tmp_path, project):
    w = RawWarehouse(tmp_path / "costcalc.duckdb")
    w.load("GS00", "gs_1.csv", [gs("Adams", "Ann", "1970-01-01", "AA1 1AA", "E1"),
                                gs("Brown", "Bob", "1980-02-02", "BB1 1BB", "E2")])
    w.build(BUILD)
    r = decide(w, project, "link", "GS00:gs_1.csv:2", "GS00:gs_1.csv:9", "Same person, confirmed")
    assert r.exit_code != 0 and "No such row" in r.output
    r = decide(w, project, "link", "GS00:gs_1.csv:2", "GS00:gs_1.csv:3", "short")
    assert r.exit_code != 0 and "reason" in r.output
    r = decide(w, project, "link", "C00000002:GS00:gs_1.csv:2", "GS00:gs_1.csv:3", "Same person, confirmed")
    assert r.exit_code != 0 and "does not belong to C00000002" in r.output
    assert (project / "seeds" / "match_decisions.csv").read_text().count("\n") == 1   # nothing written
