"""The first-name conflict (docs/matching.md "The first-name conflict"), end to end: CSV
files through the loader and `costcalc build` of the real dbt project, on DuckDB and
PostgreSQL, with costcalc.yml's ``matching.first_name_conflict`` on (the default) and off.

- Twins (one surname, date of birth, postcode and street, two first names) stay two
  clients by default; with the conflict off they are one.
- With the conflict off, two wholly different first names still weigh against: a brother
  and sister with different dates of birth at one address stay apart, and so do two
  records with different valid NHS numbers (a conflict the setting does not touch).
- A different first name's level, weight and conflict flag in intermediate.int_match_pairs:
  -14 and a conflict by default (the fixed weights: too few records to estimate from),
  -5 and no conflict with the setting off.
"""

from __future__ import annotations

import csv
import random

from click.testing import CliRunner

from costcalc.cli import main
from costcalc.paths import PROJECT_ENV, environment
from helpers import matchgen

_rng = random.Random(11)
NHS_A, NHS_B = matchgen.valid_nhs(_rng), matchgen.valid_nhs(_rng)

HEAD = ["Ref", "Surname", "First Name", "Date of Birth", "Post Code", "Address1", "NHS Number",
        "Start Date", "Cost", "Cost Frequency", "Service Description"]
SERVICE = ["01/03/2024", "100", "Weekly", "Floating support"]
ROWS = [r + SERVICE for r in [
    # twins at their parents' address
    ["P1", "Micklethwaite", "Anna", "04/04/2005", "LS9 9AA", "12 Quarry Lane", ""],
    ["P2", "Micklethwaite", "Emma", "04/04/2005", "LS9 9AA", "12 Quarry Lane", ""],
    # brother and sister, different dates of birth, one address
    ["P3", "Braithwaite", "Tom", "20/01/2001", "BD9 9AA", "3 Mill Row", ""],
    ["P4", "Braithwaite", "Lucy", "11/08/2003", "BD9 9AA", "3 Mill Row", ""],
    # everything equal but the first name, and two different valid NHS numbers
    ["P5", "Heptonstall", "Mavis", "08/08/1944", "HX2 2AA", "7 Bank Top", NHS_A],
    ["P6", "Heptonstall", "Doris", "08/08/1944", "HX2 2AA", "7 Bank Top", NHS_B],
]]
# unrelated people, so that the term frequencies make the surnames and addresses above as rare
# as in a real borough (in six records every surname is a third of them: weak evidence)
FILLER = [[f"F{i}", "".join(_rng.choice("BCDFGHKLMNPRSTVW") + _rng.choice("AEIOU") for _ in range(4)),
           _rng.choice(["John", "Mary", "Ahmed", "Priya", "Kevin", "Joan"]),
           f"{_rng.randint(1, 28):02d}/{_rng.randint(1, 12):02d}/{_rng.randint(1930, 2005)}",
           f"LS{i + 10} {i % 10}BD", f"{i} Filler Street", "", *SERVICE]
          for i in range(60)]


def _build(engine, tmp_path, setting: str | None) -> dict:
    project = tmp_path / "project"
    project.mkdir()
    if setting is not None:
        (project / "costcalc.yml").write_text(f"matching:\n  first_name_conflict: {setting}\n", encoding="utf-8")
    path = tmp_path / "support_2024-03.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEAD, *ROWS, *FILLER])
    wh = tmp_path / "wh.duckdb"
    with engine.selected(), environment({PROJECT_ENV: str(project)}):
        for args in (["load", str(path), "--schema", "GS00", "--file-type", "general_service",
                      "--extract-date", "2024-03-31"], ["build"]):
            res = CliRunner().invoke(main, ["--warehouse", str(wh), *args])
            assert res.exit_code == 0, res.output
        con = engine.open(wh)
        try:
            clients = dict(con.execute("select source_row, client_id from marts.client_record_links").fetchall())
            pairs = con.execute("""
                select ra.source_row, rb.source_row, p.fn_level, p.fn_weight, p.is_apart, p.is_link
                from intermediate.int_match_pairs as p
                inner join intermediate.int_source_rows as ra on ra.record_key = p.record_key_a
                inner join intermediate.int_source_rows as rb on rb.record_key = p.record_key_b
            """).fetchall()
        finally:
            con.close()
    return {"client": clients, "pairs": {frozenset((a, b)): (lvl, float(w), ap, ln) for a, b, lvl, w, ap, ln in pairs}}


def test_twins_stay_apart_by_default(fresh_engine, tmp_path):
    got = _build(fresh_engine, tmp_path, None)
    c = got["client"]
    assert len(set(c.values())) == 6 + len(FILLER), c
    assert got["pairs"][frozenset((2, 3))] == ("different", -14.0, 1, 0)  # rows 2 and 3: the twins


def test_with_the_conflict_off_twins_link_and_other_people_stay_apart(fresh_engine, tmp_path):
    got = _build(fresh_engine, tmp_path, "false")
    c = got["client"]
    assert c[2] == c[3], "the twins' two records are one client with the conflict off"
    assert c[4] != c[5], "a different first name and date of birth still keep two people apart"
    assert c[6] != c[7], "two different valid NHS numbers are still a conflict"
    assert len(set(c.values())) == 5 + len(FILLER)
    lvl, weight, apart, link = got["pairs"][frozenset((2, 3))]
    assert (lvl, weight, apart, link) == ("different", -5.0, 0, 1)


def test_a_setting_that_is_not_true_or_false_is_refused(tmp_path):
    from costcalc.settings import SettingsError, load_settings

    path = tmp_path / "costcalc.yml"
    for text in ("matching:\n  first_name_conflict: 'no'\n", "matching:\n  first_name_conflict: 0\n"):
        path.write_text(text, encoding="utf-8")
        try:
            load_settings(path)
        except SettingsError as exc:
            assert "matching.first_name_conflict" in str(exc) and "true or false" in str(exc)
        else:
            raise AssertionError(f"accepted {text!r}")
    path.write_text("matching:\n  first_name_confict: false\n", encoding="utf-8")
    try:
        load_settings(path)
    except SettingsError as exc:
        assert "unknown setting 'first_name_confict'" in str(exc)
    else:
        raise AssertionError("accepted a misspelt setting")
    path.write_text("matching:\n  first_name_conflict: false\n", encoding="utf-8")
    assert load_settings(path).matching.first_name_conflict is False


def test_costcalc_build_refuses_a_broken_setting_before_building(tmp_path):
    """A bad value stops `costcalc build` at start (exit 2, file and setting named): no
    warehouse is touched and no build is recorded as owed."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "costcalc.yml").write_text("matching:\n  first_name_conflict: maybe\n", encoding="utf-8")
    wh = tmp_path / "wh.duckdb"
    with environment({PROJECT_ENV: str(project)}):
        res = CliRunner().invoke(main, ["--warehouse", str(wh), "build"])
    assert res.exit_code == 2, res.output
    assert "costcalc.yml" in res.output and "matching.first_name_conflict" in res.output
    assert "dbt" not in res.output and not wh.exists()
