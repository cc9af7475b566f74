"""Schema rules live in schemas/*.yaml, never in code: the (start, end) date
pairs the loader checks (``service_use.date_pairs``) and the dim_client flags
(``client_flag``). Real YAML files in a temporary schemas folder, real
validation of real rows."""

from __future__ import annotations

import shutil

import pytest

from costcalc.transform import registry as dbt_registry
from costcalc.paths import SCHEMAS_DIR
from costcalc.schemas import load_schemas, read_schemas
from costcalc.ingest.validate import BatchValidator

SP01 = """code: SP01
name: Supported housing placements
kind: cost
description: A test cost schema.
{flag}columns:
  ref:         {{type: text, mandatory: true, personal: true}}
  surname:     {{type: text, mandatory: true, personal: true}}
  dob:         {{type: date, mandatory: true, personal: true}}
  postcode:    {{type: postcode, mandatory: true, personal: true}}
  arrived:     {{type: date, mandatory: true}}
  departed:    {{type: date}}
  startdate:   {{type: date}}
  enddate:     {{type: date}}
  nightlyrate: {{type: money}}
identity: {{reference: ref, surname: surname, dob: dob, postcode: postcode}}
natural_key: [ref]
service_use:
  service_type: {{value: Placement}}
  start: {{column: arrived}}
  end: {{column: departed}}
  unit_cost: {{column: nightlyrate}}
  frequency: {{value: Daily}}
{pairs}"""


def _schemas(tmp_path, pairs="  date_pairs: [[arrived, departed]]\n", flag=""):
    d = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, d)
    (d / "sp01.yaml").write_text(SP01.format(pairs=pairs, flag=flag), encoding="utf-8")
    return read_schemas((d,)), d


def _rejections(schema, rows):
    from costcalc.ingest.validate import HeaderMatch
    headers = [c.name for c in schema.columns]
    match = HeaderMatch(schema, 0, headers, dict(enumerate(schema.columns)), [])
    batch = BatchValidator(match).process([[row.get(h) for h in headers] for row in rows], 2)
    return [(e.row, e.column, e.reason) for e in batch.errors]


def test_the_shipped_schemas_declare_their_date_pairs():
    schemas = load_schemas()
    assert schemas["ASC01"].date_pairs == (("start", "end"), ("pricestart", "priceend"))
    assert schemas["H01A"].date_pairs == (("startdate", "enddate"),)
    assert schemas["GS00"].date_pairs == (("startdate", "enddate"),)
    # RB01's hb_claim_entitlement_start_date has no end column: nothing to pair
    assert schemas["RB01"].date_pairs == ()


def test_only_declared_pairs_are_checked_whatever_the_column_names(tmp_path):
    schema = _schemas(tmp_path)[0]["SP01"]
    base = {"ref": "R1", "surname": "Test", "dob": "01/01/1980", "postcode": "AA1 1AA"}
    rows = [
        {**base, "arrived": "10/02/2024", "departed": "09/02/2024"},   # declared pair runs backwards
        {**base, "arrived": "10/02/2024", "departed": "10/02/2024",
         "startdate": "05/03/2024", "enddate": "01/03/2024"},          # named like a pair, not declared
    ]
    assert _rejections(schema, rows) == [(2, "arrived", "'arrived' is after 'departed'")]  # no dates: the values are in the value column
    undeclared = _schemas(tmp_path / "b", pairs="")[0]["SP01"]
    assert undeclared.date_pairs == () and _rejections(undeclared, rows) == []


@pytest.mark.parametrize("pairs, message", [
    ("  date_pairs: [[arrived]]\n", r"is not a \[start, end\] pair"),
    ("  date_pairs: [[arrived, nightlyrate]]\n", "'nightlyrate' is not a date column"),
    ("  date_pairs: [[arrived, nosuch]]\n", "'nosuch' is not a date column"),
    ("  date_pairs: arrived\n", "must be a list"),
])
def test_a_bad_date_pair_declaration_is_refused_naming_the_file(tmp_path, pairs, message):
    with pytest.raises(ValueError, match=f"sp01.yaml: .*{message}"):
        _schemas(tmp_path, pairs=pairs)


def test_client_flags_are_declared_per_schema_and_reach_the_dbt_registry(tmp_path):
    reg = dbt_registry.registry()
    flags = {code: s["client_flag"] for code, s in reg["schemas"].items() if s["client_flag"]}
    assert flags == {"H01A": "ever_temporary_accommodation", "TF01": "in_troubled_families",
                     "RB03": "housing_benefit_switch"}
    schemas, d = _schemas(tmp_path, flag="client_flag: ever_supported_housing\n")
    assert schemas["SP01"].client_flag == "ever_supported_housing"
    assert '"client_flag": "ever_supported_housing"' in dbt_registry.render_macro(d)


@pytest.mark.parametrize("flag", ["client_flag: Ever Housed\n", "client_flag: x; drop table y\n",
                                  "client_flag: [a, b]\n"])
def test_a_client_flag_must_be_a_plain_column_name(tmp_path, flag):
    with pytest.raises(ValueError, match="sp01.yaml: client_flag must be a lower-case column name"):
        _schemas(tmp_path, flag=flag)


def test_a_variant_repeats_nothing_of_its_base_and_changes_only_what_it_says(tmp_path):
    """GS01 is declared ``based_on: GS00``: it has GS00's columns, mapping and key, with
    its own requirements; a change to GS00 reaches GS01 with no second edit."""
    schemas = read_schemas((SCHEMAS_DIR,))
    gs00, gs01 = schemas["GS00"], schemas["GS01"]
    assert [c.name for c in gs01.columns] == [c.name for c in gs00.columns]
    changed = {c.name for c, b in zip(gs01.columns, gs00.columns) if c != b}
    assert changed == {"postcode", "surname", "dob"}
    assert not any(c.mandatory for c in gs01.columns if c.name in changed)
    assert gs01.identity == gs00.identity and gs01.service_use == gs00.service_use
    assert gs01.natural_key == gs00.natural_key
    assert gs01.identified_by != gs00.identified_by and gs01.recognise_from_headers is False
    assert gs01.name != gs00.name and gs01.description != gs00.description

    d = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, d)
    gs00_text = (d / "gs00.yaml").read_text(encoding="utf-8")
    (d / "gs00.yaml").write_text(gs00_text.replace("  servicedesc:", "  team:          {type: text}\n  servicedesc:"),
                                 encoding="utf-8")
    assert "team" in [c.name for c in read_schemas((d,))["GS01"].columns]


@pytest.mark.parametrize("based_on, message", [
    ("XX99", r"sp01.yaml: based_on XX99: no such schema"),
    ("SP01", r"sp01.yaml: based_on SP01 goes round in a circle"),
])
def test_a_variant_of_an_unknown_or_circular_base_is_refused(tmp_path, based_on, message):
    with pytest.raises(ValueError, match=message):
        _schemas(tmp_path, flag=f"based_on: {based_on}\n")
