"""`costcalc match explain` and `costcalc match review` on a real warehouse: a real CSV file
loaded by `costcalc load` and built by `costcalc build`, on DuckDB and on PostgreSQL.

The people in the file (rows as Excel numbers them):
  2, 3    Margaret Quennell / Quennel, moved: linked on names and date of birth (score 20.5)
  4, 5    twins Ella and Emily Ashworth: same surname, birth date, postcode: first-name conflict
  6, 7, 8 Peter Tomlinson, Tomlinson-Hart (same NHS number as 6), Hart (same NI number as 7):
          one client; 6 and 8 share no blocking value, so they were never compared
  9, 10   Sam Brown, moved: linked, then unlinked by a caseworker
  11, 12  Pemberton (no first name) / Rita Pemberten: 16.5, a borderline pair for review
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.paths import PROJECT_ENV, environment
from helpers import postgres as pg
from helpers.engines import Engine

REPO = Path(__file__).resolve().parents[1]
FILE = "gs_2024-03-31.csv"
NHS1, NI1 = "7877893280", "AB123456C"
ROWS = [
    ("E1", "LS1 1AA", "", "", "Margaret", "Quennell", "04/03/1950"),
    ("E2", "LS2 2BB", "", "", "Margaret", "Quennel", "04/03/1950"),
    ("E3", "WF1 1AA", "", "", "Ella", "Ashworth", "07/06/1990"),
    ("E4", "WF1 1AA", "", "", "Emily", "Ashworth", "07/06/1990"),
    ("E5", "HX1 1AA", "", NHS1, "Peter", "Tomlinson", "01/01/1975"),
    ("E6", "BD9 9ZZ", NI1, NHS1, "Peter", "Tomlinson-Hart", "01/01/1975"),
    ("E7", "BD9 9ZZ", NI1, "", "Peter", "Hart", "21/01/1975"),
    ("E8", "S1 1AA", "", "", "Sam", "Brown", "05/05/1980"),
    ("E9", "S2 2AA", "", "", "Sam", "Brown", "05/05/1980"),
    ("E10", "M1 1AA", "", "", "", "Pemberton", "09/09/1960"),
    ("E11", "M2 2AA", "", "", "Rita", "Pemberten", "09/09/1960"),
]
PERSONAL = ("Quennell", "Ashworth", "Tomlinson", "Pemberton", NHS1, NI1, "04/03/1950", "1950-03-04")
BUILD = "+client_record_links +identity_records +match_links +int_match_skipped_blocks"
ACCESS = ["--purpose", "A", "--case-reference", "HN-2024-0113", "--reason", "Checking records for referral 4411"]


def ref(row: int) -> str:
    return f"GS00:{FILE}:{row}"


class Built:
    def __init__(self, engine: Engine, root: Path):
        self.engine, self.root = engine, root
        self.warehouse = root / "costcalc.duckdb"
        self.project = root / "project"
        self.env = {PROJECT_ENV: str(self.project), **engine.env}

    def cli(self, *args):
        with environment(self.env), self.engine.selected():
            return CliRunner().invoke(main, ["--warehouse", str(self.warehouse), *args])

    def build(self):
        # PostgreSQL builds a --select build's marts in marts_build and publishes nothing, and
        # `match link|unlink` checks rows in the published marts: a whole build there
        res = self.cli("build", *(["--select", BUILD] if self.engine.name == "duckdb" else []))
        assert res.exit_code == 0, res.output

    def record_key(self, row: int) -> str:
        from costcalc.warehouse.connection import open_warehouse

        with environment(self.env), self.engine.selected():
            con = open_warehouse(path=self.warehouse)
            try:
                return con.execute("select record_key from intermediate.int_source_rows where source_file = ? "
                                   "and source_row = ?", [FILE, row]).fetchone()[0]
            finally:
                con.close()

    def client(self, row: int) -> str:
        from costcalc.warehouse.connection import open_warehouse

        with environment(self.env), self.engine.selected():
            con = open_warehouse(path=self.warehouse)
            try:
                return con.execute("select client_id from marts.client_record_links where source_file = ? "
                                   "and source_row = ?", [FILE, row]).fetchone()[0]
            finally:
                con.close()

    def audit(self) -> list[tuple]:
        from costcalc.warehouse import restricted_store as store

        with environment(self.env), self.engine.selected(), store.restricted_connection(self.warehouse) as con:
            if not store.table_exists(con, "audit", "match_review_log"):
                return []
            return con.execute("select action, purpose, case_reference, reason, record_a, record_b, pairs_shown, "
                               "outcome, logged_by from audit.match_review_log order by logged_at").fetchall()


def _make(engine: Engine, root: Path) -> Built:
    b = Built(engine, root)
    (b.project / "seeds").mkdir(parents=True)
    (b.project / "seeds" / "match_decisions.csv").write_text(
        (REPO / "seeds" / "match_decisions.csv").read_text().splitlines()[0] + "\n")
    drop = root / "drop"
    drop.mkdir()
    with open(drop / FILE, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["extref", "postcode", "ni", "nhsno", "firstname", "surname", "dob", "startdate", "cost",
                    "costfrequency", "servicedesc"])
        for r in ROWS:
            w.writerow([*r, "01/01/2024", "10", "Weekly", "Support"])
    res = b.cli("load", str(drop / FILE))
    assert res.exit_code == 0, res.output
    b.build()
    return b


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, tmp_path_factory):
    if request.param == "postgres":
        pg.server_or_skip()
        with pg.fresh_database() as name:
            yield _make(Engine("postgres", {"COSTCALC_PG_DATABASE": name}), tmp_path_factory.mktemp("explain_pg"))
    else:
        yield _make(Engine("duckdb"), tmp_path_factory.mktemp("explain_duckdb"))


def explain(b: Built, a: int, c: int, *extra):
    res = b.cli("match", "explain", ref(a), ref(c), *(extra or ACCESS))
    return res


# --------------------------------------------------------------------------- explain


def test_a_linked_pair_shows_each_field_and_the_score(built, caplog):
    caplog.set_level(logging.DEBUG)
    before = len(built.audit())
    res = explain(built, 2, 3)
    assert res.exit_code == 0, res.output
    out = res.output
    assert "ONE PERSON" in out and "Compared by the last build: yes" in out
    assert "date of birth + first three letters of surname" in out  # the blocking rule, by name
    lines = {line.split()[0] + " " + line.split()[1]: line.split() for line in out.splitlines()
             if line.startswith("  ") and len(line.split()) >= 3}
    assert lines["surname fuzzy"][-1] == "+5.00"
    assert lines["date of"][3:] == ["exact", "+13.00"]
    assert lines["postcode different"][-1] == "-1.50"
    assert lines["address missing"][-1] in ("+0.00", "0.00")         # the address level, shown though blank
    assert "+20.50   (threshold 20: at or above)" in out
    assert "Quennell" in out and "Quennel" in out                  # restricted details, on stdout only
    assert "They are linked directly: weighted_score (score 20.50)" in out
    rows = built.audit()
    assert len(rows) == before + 1
    action, purpose, case, reason, rec_a, rec_b, shown, outcome, by = rows[-1]
    assert (action, purpose, case, shown, outcome) == ("explain", "A", "HN-2024-0113", 1, "shown")
    assert reason == "Checking records for referral 4411" and FILE in rec_a and FILE in rec_b and by
    assert not any(p in caplog.text for p in PERSONAL)
    for log in built.project.rglob("*.log"):  # dbt's and costcalc's logs hold no personal data
        text = log.read_text(errors="replace")
        assert not any(p in text for p in PERSONAL), log


def test_twins_show_the_first_name_conflict(built):
    # a record key (as `costcalc lookup` shows it) names a record as SCHEMA:FILE:ROW does
    res = built.cli("match", "explain", built.record_key(4), ref(5), *ACCESS)
    assert res.exit_code == 0, res.output
    assert "TWO PEOPLE" in res.output and "Compared by the last build: yes" in res.output
    assert "CONFLICT: different first names" in res.output
    assert any(line.split()[:4] == ["first", "name", "different", "-14.00"] for line in res.output.splitlines())
    assert "rule: first_name_conflict" in res.output


def test_a_never_compared_pair_in_one_cluster_shows_the_path(built):
    assert built.client(6) == built.client(7) == built.client(8)
    res = explain(built, 6, 8)
    assert res.exit_code == 0, res.output
    out = res.output
    assert "ONE PERSON" in out and "Compared by the last build: NO" in out
    assert "one client through other records" in out
    path = [line for line in out.splitlines() if line.startswith("  -> ")]
    assert len(path) == 2 and f"{FILE} row 7" in path[0] and "[nhs_number" in path[0]
    assert f"{FILE} row 8" in path[1] and "[ni_number" in path[1]
    # scored anyway by the build's SQL: surname and date of birth differ
    assert any(line.split()[:2] == ["surname", "different"] for line in out.splitlines())


def test_a_never_compared_pair_of_two_people(built):
    res = explain(built, 2, 4)
    assert res.exit_code == 0, res.output
    assert "TWO PEOPLE" in res.output and "they share no blocking value" in res.output
    assert "rule: first_name_conflict" in res.output and "one client through" not in res.output


def test_explain_agrees_with_the_build_on_every_compared_pair(built):
    """The rewritten SQL (chosen pairs, weights split out) gives the build's own levels, score and
    rule for every pair the build compared, and the weights add up to the score."""
    from costcalc.matching import access
    from costcalc.matching.comparison import compare, compile_comparison

    with environment(built.env), built.engine.selected():
        compiled = compile_comparison(built.warehouse)
        with access.evidence_connection(built.warehouse, compiled.catalog) as con:
            stored = con.execute(f"select * from {access.intermediate(con, 'int_match_pairs', compiled.catalog)}").df()
            assert len(stored) >= 6
            got, weights, threshold = compare(con, compiled, list(zip(stored.pk_a, stored.pk_b)))
    assert threshold == 20
    levels = [c for c in stored.columns if c.endswith("_level")]
    want = stored.set_index(["pk_a", "pk_b"]).sort_index()
    have = got.set_index(["pk_a", "pk_b"]).sort_index()
    assert list(want.index) == list(have.index)
    assert (want[levels + ["rule", "is_link", "is_apart"]].astype(str)
            == have[levels + ["rule", "is_link", "is_apart"]].astype(str)).all().all()
    assert (abs(want.score.astype(float) - have.score.astype(float)) < 1e-9).all()
    summed = sum(have[c].astype(float) for c in weights.values())
    assert (abs(summed - have.score.astype(float)) < 1e-9).all()
    assert set(weights) == {"nhs", "ni", "sn", "fn", "dob", "pc", "reference", "addr"}


@pytest.mark.parametrize("args, message", [
    ([], "needs a purpose"),
    (["--purpose", "C", "--case-reference", "HN-2024-0113", "--reason", "Checking records for referral 4411"],
     "Purpose C"),
    (["--purpose", "D", "--case-reference", "HN-2024-0113", "--reason", "Checking records for referral 4411"],
     "not served by match evidence"),
    (["--purpose", "A", "--reason", "Checking records for referral 4411"], "case reference"),
    (["--purpose", "A", "--case-reference", "n/a", "--reason", "Checking records for referral 4411"], "placeholder"),
    (["--purpose", "A", "--case-reference", "HN-2024-0113"], "reason"),
])
def test_explain_and_review_are_refused_without_purpose_case_and_reason(built, args, message):
    before = built.audit()
    for cmd in (["match", "explain", ref(2), ref(3)], ["match", "review"]):
        res = built.cli(*cmd, *(args or ["--reason", "x"]))
        assert res.exit_code == 2 and message in res.output, res.output
        assert "Quennel" not in res.output
    assert built.audit() == before  # nothing opened, nothing audited


def test_unknown_and_identical_references_are_refused(built):
    res = built.cli("match", "explain", ref(2), ref(99), *ACCESS)
    assert res.exit_code == 2 and "No such row" in res.output
    res = built.cli("match", "explain", ref(2), ref(2), *ACCESS)
    assert res.exit_code == 2 and "same record" in res.output
    res = built.cli("match", "explain", "C00000099:" + ref(2), ref(3), *ACCESS)
    assert res.exit_code == 2 and "does not belong to C00000099" in res.output


# --------------------------------------------------------------------------- review and decisions


def test_review_lists_borderline_pairs_and_its_decisions_apply_at_the_next_build(built, tmp_path):
    res = built.cli("match", "review", *ACCESS)
    assert res.exit_code == 0, res.output
    assert "within 5 of the threshold 20" in res.output and "Pemberten" in res.output
    assert "Ashworth" not in res.output          # the twins score 7: not borderline
    out = tmp_path / "review.xlsx"
    res = built.cli("match", "review", "--margin", "4", "--format", "xlsx", "--output", str(out), *ACCESS)
    assert res.exit_code == 0, res.output
    assert (out.stat().st_mode & 0o077) == 0      # personal data: the owner's only
    from openpyxl import load_workbook

    wb = load_workbook(out)
    ws = wb.active
    header = [c.value for c in ws[1]]
    rows = {(r[header.index("record_a")], r[header.index("record_b")]): r for r in ws.iter_rows(min_row=2, values_only=True)}
    pemberton = {ref(11), ref(12)}
    brown = {ref(9), ref(10)}
    keys = {frozenset(k) for k in rows}
    assert frozenset(pemberton) in keys and frozenset(brown) in keys
    assert frozenset({ref(4), ref(5)}) not in keys
    audit = built.audit()[-1]
    assert audit[0] == "review" and audit[6] == len(rows)
    # the reviewer: Pemberton and Pemberten are one woman; the two Sam Browns are father and son
    for i, row in enumerate(ws.iter_rows(min_row=2), start=2):
        pair = {row[header.index("record_a")].value, row[header.index("record_b")].value}
        if pair == pemberton:
            ws.cell(i, header.index("decision") + 1, "link")
            ws.cell(i, header.index("reason") + 1, "Same woman: confirmed with her GP practice")
        elif pair == brown:
            ws.cell(i, header.index("decision") + 1, "Unlink")
            ws.cell(i, header.index("reason") + 1, "Father and son, checked at the housing office")
    wb.save(out)
    assert built.client(11) != built.client(12) and built.client(9) == built.client(10)
    res = built.cli("match", "review", "--decide", str(out), "--user", "reviewer1")
    assert res.exit_code == 0 and "Recorded 2 decision(s) (1 link, 1 unlink)" in res.output, res.output
    seeds = (built.project / "seeds" / "match_decisions.csv").read_text()
    assert seeds.count("\n") == 3 and "Same woman" in seeds and "Father and son" in seeds
    # recorded, not yet applied: explain says so
    res = explain(built, 9, 10)
    assert "recorded since the last build" in res.output and "NOT the same person" in res.output
    built.build()
    assert built.client(11) == built.client(12) and built.client(9) != built.client(10)
    res = explain(built, 10, 9)
    assert res.exit_code == 0, res.output
    assert "TWO PEOPLE" in res.output and "Manual decision (applied by the last build): NOT the same person" \
        in res.output and "Father and son" in res.output and "recorded since" not in res.output
    res = explain(built, 11, 12)
    assert "ONE PERSON" in res.output and "applied by the last build): the same person" in res.output
    # decided pairs leave the review list
    res = built.cli("match", "review", *ACCESS)
    assert "Pemberten" not in res.output and "Brown" not in res.output


def _write(path: Path, rows: list[list[str]]):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


HEAD = ["record_a", "record_b", "score", "decision", "reason"]


@pytest.mark.parametrize("rows, message", [
    ([HEAD, [ref(2), ref(3), "20.5", "maybe", "Looks like the same person to me"]],
     "row 2, column decision: 'maybe' is not link, unlink, skip or blank"),
    ([HEAD, [ref(2), ref(3), "20.5", "", ""], [ref(2), "GS00:nofile", "1", "link", "Same person, checked by phone"]],
     "row 3, column record_b: 'GS00:nofile' is not a record reference"),
    ([HEAD, [ref(2), ref(3), "20.5", "link", "same"]], "row 2, column reason: a link needs a reason"),
    ([HEAD, [ref(2), ref(99), "20.5", "link", "Same person, checked by phone"]],
     f"row 2, column record_b: '{ref(99)}': No such row"),
    ([HEAD, [ref(2), ref(3), "20.5", "link", "Same person, checked by phone"],
      [ref(3), ref(2), "20.5", "unlink", "Different people, checked by phone"]], "row 3: the pair"),
    ([["record_a", "record_b", "reason"], [ref(2), ref(3), "x"]], "row 1: missing column(s) decision"),
])
def test_a_bad_decisions_file_is_refused_whole(built, tmp_path, rows, message):
    seeds = built.project / "seeds" / "match_decisions.csv"
    before = seeds.read_text()
    path = _write(tmp_path / "reviewed.csv", rows)
    res = built.cli("match", "review", "--decide", str(path))
    assert res.exit_code == 1, res.output
    assert "reviewed.csv" in res.output and message in res.output and "Nothing was recorded" in res.output
    assert seeds.read_text() == before


def test_review_needs_an_output_file_and_a_csv_or_xlsx_decisions_file(built, tmp_path):
    res = built.cli("match", "review", "--format", "csv", *ACCESS)
    assert res.exit_code == 2 and "--output" in res.output
    res = built.cli("match", "review", "--decide", str(tmp_path / "missing.csv"))
    assert res.exit_code == 1 and "No decisions file" in res.output
    bad = tmp_path / "reviewed.txt"
    bad.write_text("x")
    res = built.cli("match", "review", "--decide", str(bad))
    assert res.exit_code == 1 and ".csv or .xlsx" in res.output


def test_without_the_last_builds_sql_dbt_compiles_the_same(built, monkeypatch):
    """When the last build's artefacts are not this target's (or gone), `dbt compile` gives the
    comparison SQL: the same text the build ran, and the blocking rules' names."""
    from costcalc.matching import comparison

    with environment(built.env), built.engine.selected():
        last = comparison.compile_comparison(built.warehouse)
        monkeypatch.setattr(comparison, "_last_build", lambda *a: None)
        fresh = comparison.compile_comparison(built.warehouse)
    assert fresh.pairs_sql == last.pairs_sql and fresh.catalog == last.catalog
    if built.engine.name == "duckdb":
        assert fresh.catalog == built.warehouse.stem
    assert fresh.rule_names[1] == "NHS number" and len(fresh.rule_names) >= 8
