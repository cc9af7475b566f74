"""``costcalc schema new`` / ``schema list``, and help texts that list schemas from the registry.

``schema new`` runs with a project directory in tmp_path (docs/project.md): the
YAML and the file type row go there, and so do the generated dbt inputs, the
new schema's staging model among them; the scaffolded YAML is then read by the
real registry code and a real file is validated with it.
"""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.validate import BatchValidator, find_header
from costcalc.paths import PROJECT_ENV, SEEDS_DIR
from costcalc.schemas import clear_caches, load_file_types, load_schemas


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A project directory of its own: schema new writes there."""
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))
    clear_caches()
    yield tmp_path
    monkeypatch.delenv(PROJECT_ENV)
    clear_caches()


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_schema_new_like_gs00_scaffolds_yaml_model_seed_and_registry(repo):
    res = run("schema", "new", "dhp01", "--name", "Discretionary Housing Payments", "--kind", "cost",
              "--like", "GS00", "--providers", "revenues_benefits", "--frequency", "Weekly")
    assert res.exit_code == 0, res.output
    assert "next: edit dhp01.yaml" in res.output
    s = load_schemas()["DHP01"]
    gs = load_schemas()["GS00"]
    assert (s.kind, s.name) == ("cost", "Discretionary Housing Payments")
    assert [c.name for c in s.columns] == [c.name for c in gs.columns]
    assert s.column("dob").aliases == ("date of birth",) and s.column("dob").personal
    assert s.service_use == gs.service_use and s.natural_key == gs.natural_key
    generated = repo / ".costcalc" / "dbt"
    assert (generated / "models" / "staging" / "stg_dhp01.sql").read_text() == "{{ stage_schema('DHP01') }}\n"
    assert not (generated / "models" / "staging" / "stg_gs00.sql").exists()  # the code ships that one
    with open(repo / "seeds" / "file_types.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[-1] == {"file_type": "discretionary_housing_payments", "display_name": "Discretionary Housing Payments",
                        "schema_code": "DHP01", "allowed_providers": "revenues_benefits", "frequency": "Weekly",
                        "unknown_headers": ""}
    assert load_file_types()["discretionary_housing_payments"].frequency == "Weekly"
    with open(SEEDS_DIR / "file_types.csv", newline="") as fh:
        assert rows[:-1] == list(csv.DictReader(fh))  # the project's copy: the shipped rows, then the new one
    macro = (generated / "macros" / "schema_registry.sql").read_text()
    assert '"DHP01"' in macro
    assert "name: dhp01" in (generated / "models" / "_sources.yml").read_text()
    # the scaffolded contract validates a real file's rows
    head = ["Ref", "Surname", "Date of Birth", "Post Code", "Start Date", "Service", "Unit Cost", "Frequency"]
    match = find_header([head], s)
    assert match.fits and len(match.mapping) == 8
    batch = BatchValidator(match).process(
        [["R1", "Li", "01/01/1990", "E1 6AN", "01/01/2024", "DHP award", "25", "Weekly"]], 2)
    assert (batch.rows_accepted, batch.rows_rejected) == (1, 0)


def test_schema_new_status_without_like_and_its_refusals(repo):
    res = run("schema", "new", "SP02", "--name", "Supported Housing List", "--kind", "status")
    assert res.exit_code == 0, res.output
    s = load_schemas()["SP02"]
    assert s.kind == "status" and s.service_use is None
    assert {c.name for c in s.mandatory} == {"surname", "dob", "postcode"}
    again = CliRunner().invoke(main, ["schema", "new", "SP02", "--name", "Other", "--kind", "status"])
    assert again.exit_code != 0 and "schema SP02 exists already" in again.output
    bad = CliRunner().invoke(main, ["schema", "new", "sp-2", "--name", "X", "--kind", "cost"])
    assert bad.exit_code != 0 and "a code is a capital letter" in bad.output
    dup = CliRunner().invoke(main, ["schema", "new", "SP03", "--name", "Substance Misuse", "--kind", "cost"])
    assert dup.exit_code != 0 and "file type substance_misuse exists already" in dup.output
    freq = CliRunner().invoke(main, ["schema", "new", "SP04", "--name", "Y", "--kind", "cost", "--frequency", "Hourly"])
    assert freq.exit_code != 0 and "--frequency" in freq.output


def test_schema_list_and_load_help_list_the_registry():
    res = run("schema", "list")
    assert res.exit_code == 0
    for code, s in load_schemas().items():
        assert any(line.startswith(code) and s.name in line for line in res.output.splitlines())
    help_text = " ".join(run("load", "--help").output.split())
    assert "(" + ", ".join(load_schemas()) + ")" in help_text


def test_a_scaffolded_schema_is_loaded_built_and_costed_end_to_end(repo, tmp_path):
    """The ten-minute route of docs/adding-a-schema.md, all the way: `schema new` in a
    project directory, a real file loaded, `costcalc build` (its staging model generated,
    nothing written in the source tree), and the costs in the public marts."""
    import duckdb

    from costcalc.paths import MODELS_DIR

    res = run("schema", "new", "DHP01", "--name", "Discretionary Housing Payments", "--kind", "cost",
              "--like", "GS00", "--frequency", "Weekly")
    assert res.exit_code == 0, res.output
    f = tmp_path / "dhp_2024-03-31.csv"
    f.write_text("extref,surname,firstname,dob,postcode,startdate,enddate,cost,servicedesc\n"
                 "D1,Okafor,Grace,02/03/1980,LS1 1AA,01/03/2024,14/03/2024,70,DHP award\n", encoding="utf-8")
    wh = tmp_path / "wh" / "costcalc.duckdb"
    loaded = run("--warehouse", str(wh), "load", "--file-type", "discretionary_housing_payments", str(f))
    assert loaded.exit_code == 0, loaded.output
    built = run("--warehouse", str(wh), "build")
    assert built.exit_code == 0, built.output
    assert not (MODELS_DIR / "staging" / "stg_dhp01.sql").exists()  # generated in the project, not here
    with duckdb.connect(str(wh), read_only=True) as con:
        rows = con.execute("select service, service_type, month, cost from marts.fct_cost_monthly "
                           "where service = 'Discretionary Housing Payments'").fetchall()
        staged = con.execute("select count(*) from staging.stg_dhp01").fetchone()[0]
    assert staged == 1
    # weekly £70 over 1-14 March 2024, both days included: 14 days = £140
    assert [(s, t, str(m), round(float(c), 2)) for s, t, m, c in rows] == [
        ("Discretionary Housing Payments", "DHP award", "2024-03-01", 140.0)]
