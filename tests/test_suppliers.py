"""Suppliers (issue 13, 2017 report §5.5.3; docs/reports.md "Suppliers"): the optional
``supplier`` column declared once (schemas/shared_columns.yaml) for H01A, ASC01 and GS00;
its spellings merged conservatively; ``marts.fct_service_use.supplier`` and
``marts.dim_supplier``; ``costcalc report services --by supplier`` with small suppliers
unnamed and small numbers suppressed. Real files (an .xlsx written with openpyxl, CSVs),
the real loader and dbt build, on DuckDB and the real PostgreSQL server."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook

from costcalc.cli import main
from costcalc.ingest import landing
from costcalc.reports.suppliers import NOT_GIVEN, SMALL_SUPPLIERS
from costcalc.schemas import clear_caches, load_schemas, read_schemas
from costcalc.transform.publish import build_and_publish
from helpers import postgres as pg
from helpers.engines import Engine

# ----------------------------------------------------------------------------- the contract


def test_the_supplier_column_is_declared_once_and_used_by_the_schemas_that_buy_services():
    schemas = load_schemas()
    for code in ("H01A", "ASC01", "GS00"):
        col = schemas[code].column("supplier")
        assert (col.type, col.mandatory, col.personal) == ("text", False, False), code
        assert {"supplier", "supplier name", "provider", "provider name"} <= {col.name, *col.aliases}, code
        assert schemas[code].service_use["supplier"] == {"column": "supplier"}, code
    assert {"landlord", "accommodation provider"} <= set(schemas["H01A"].column("supplier").aliases)
    assert "landlord" not in schemas["ASC01"].column("supplier").aliases  # a schema's own aliases stay its own
    for code in ("RB01", "RB03", "TF01"):  # no service bought from a supplier there
        assert "supplier" not in {c.name for c in schemas[code].columns}, code
    root = Path(__file__).resolve().parents[1] / "schemas"
    declared = [p.name for p in root.glob("*.yaml") if "aliases: [supplier name" in p.read_text(encoding="utf-8")]
    assert declared == ["shared_columns.yaml"]  # the definition is not copied into each schema


def test_a_header_the_alias_names_is_taken_as_the_supplier():
    schemas = load_schemas()
    for header, code in (("Landlord", "H01A"), ("Provider Name", "ASC01"), ("SUPPLIER_NAME", "GS00"),
                         ("provider", "H01A")):
        assert schemas[code].match_headers([header]) == {0: schemas[code].column("supplier")}, header


def test_a_schema_naming_an_unknown_shared_column_is_refused_by_name(tmp_path):
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "zz01.yaml").write_text(
        "code: ZZ01\nname: ZZ\nkind: status\ncolumns:\n  surname: {type: text, mandatory: true}\n"
        "  vendor: {shared: vendor}\nidentity: {surname: surname}\nnatural_key: [surname]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"zz01\.yaml: column vendor: no shared column 'vendor'.*known: supplier"):
        read_schemas((folder,))


def test_a_project_may_redefine_a_shared_column_for_every_schema_using_it(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "schemas").mkdir(parents=True)
    (project / "schemas" / "shared_columns.yaml").write_text(
        "supplier: {type: text, aliases: [contractor], description: Our contractor}\n", encoding="utf-8")
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(project))
    clear_caches()
    try:
        schemas = load_schemas()
        for code in ("H01A", "ASC01", "GS00"):
            assert schemas[code].match_headers(["Contractor"]) == {0: schemas[code].column("supplier")}
            assert schemas[code].column("supplier").description == "Our contractor"
        assert "shared_columns.yaml" not in {p.name for p in (project / "schemas").glob("*.yaml")
                                             if p.name in {s.code.lower() + ".yaml" for s in schemas.values()}}
    finally:
        monkeypatch.delenv("COSTCALC_PROJECT_DIR")
        clear_caches()


def test_the_shared_file_is_not_read_as_a_schema():
    codes = set(load_schemas())
    assert codes >= {"H01A", "ASC01", "GS00"} and not any("SHARED" in c.upper() for c in codes)
    data = yaml.safe_load((Path(__file__).resolve().parents[1] / "schemas" / "shared_columns.yaml").read_text())
    assert set(data) == {"supplier"}


def test_the_templates_ask_for_the_supplier_with_the_shared_description(tmp_path):
    from openpyxl import load_workbook

    for file_type in ("temporary_accommodation", "adult_social_care", "general_service"):
        out = tmp_path / f"{file_type}.xlsx"
        res = CliRunner().invoke(main, ["template", file_type, "--output", str(out)])
        assert res.exit_code == 0, res.output
        header = {c.value: c for c in load_workbook(out)["Data"][1]}
        cell = header["Supplier Name"]
        assert not cell.comment.text.startswith("Required")
        assert "not their name" in cell.comment.text, file_type


# ----------------------------------------------------------------------------- a real build

PERIOD = ["--from", "2024-01-01", "--to", "2024-01-31"]
HOSTILE = '=HYPERLINK("http://evil.example","click")'
ESCAPE = "\x1b[31mRed Care Ltd"

TA_HEADER = ["PIN", "Postcode", "First Name", "Surname", "DOB", "StartDate", "EndDate", "Cost", "PropType", "Landlord"]
#: H01A (weekly costs): four clients at Kingsway Lodge (four spellings of one name), one at
#: Parkside, one with no landlord given.
TA_ROWS = [
    ["P1", "TW3 1AB", "Ann", "Adams", date(1980, 1, 1), date(2024, 1, 1), date(2024, 1, 7), 350, "Bed and Breakfast",
     "Kingsway Lodge Ltd"],
    ["P2", "TW3 1AH", "Ben", "Brown", date(1981, 2, 2), date(2024, 1, 1), date(2024, 1, 7), 350, "Bed and Breakfast",
     "KINGSWAY LODGE LIMITED"],
    ["P3", "TW3 1AD", "Cat", "Clark", date(1982, 3, 3), date(2024, 1, 1), date(2024, 1, 7), 350, "Bed and Breakfast",
     " Kingsway  Lodge Ltd. "],
    ["P4", "TW3 1AE", "Dan", "Davis", date(1983, 4, 4), date(2024, 1, 1), date(2024, 1, 7), 350, "Bed and Breakfast",
     "Kingsway Lodge Ltd"],
    ["P5", "TW3 1AF", "Eve", "Evans", date(1984, 5, 5), date(2024, 1, 1), date(2024, 1, 14), 280, "Bed and Breakfast",
     "Parkside Guest House"],
    ["P6", "TW3 1AG", "Fay", "Fox", date(1985, 6, 6), date(2024, 1, 1), date(2024, 1, 7), 210, "Bed and Breakfast",
     None],
]
ASC_HEADER = ["ASC ID", "Post Code", "First Name", "Surname", "Date of Birth", "Start", "End", "Cost", "Frequency",
              "Service Type", "Care Package Line Item ID", "Provider Name"]
#: ASC01: two clients of home care (weekly), one equipment one-off, and two hostile names.
ASC_ROWS = [
    ["A1", "EF3 4GH", "Gus", "Green", "01/06/1950", "01/01/2024", "31/01/2024", "140", "Weekly", "Home Care", "L1",
     "Caring Hands Ltd"],
    ["A2", "EF3 4GJ", "Hal", "Hill", "01/06/1951", "01/01/2024", "31/01/2024", "140", "Weekly", "Home Care", "L2",
     "caring hands ltd"],
    ["A3", "EF3 4GN", "Ivy", "Irons", "01/06/1952", "10/01/2024", "10/01/2024", "100", "One-off", "Equipment", "L3",
     "Community Equipment Service"],
    ["A4", "EF3 4GL", "Jo", "Jones", "01/06/1953", "01/01/2024", "07/01/2024", "70", "Weekly", "Day Care", "L4",
     HOSTILE],
    ["A5", "EF3 4GP", "Kit", "King", "01/06/1954", "01/01/2024", "07/01/2024", "70", "Weekly", "Day Care", "L5",
     ESCAPE],
]


def _write_files(folder: Path) -> list[tuple[Path, str, str]]:
    wb = Workbook()
    ws = wb.active
    ws.append(TA_HEADER)
    for row in TA_ROWS:
        ws.append(row)
    ta = folder / "ta_2024-01.xlsx"
    wb.save(ta)
    asc = folder / "asc_2024-01.csv"
    with open(asc, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([ASC_HEADER, *ASC_ROWS])
    return [(ta, "H01A", "temporary_accommodation"), (asc, "ASC01", "adult_social_care")]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, tmp_path_factory):
    """The two files loaded and built (and published) on each engine; the project directory."""
    root = tmp_path_factory.mktemp(f"suppliers_{request.param}")
    project = root / "project"
    project.mkdir()
    (project / "costcalc.yml").write_text("disclosure:\n  threshold: 3\n", encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("COSTCALC_PROJECT_DIR", str(project))
    clear_caches()

    def run(engine: Engine):
        wh = root / "wh.duckdb"
        with engine.selected():
            for path, schema, file_type in _write_files(root):
                res = landing.load_file(wh, path, schema=schema, file_type=file_type, extract_date=date(2024, 1, 31))
                assert res.status == "loaded" and res.rows_rejected == 0, res.message
            result = build_and_publish(wh)
            assert result.success, result.summary()
        return engine, wh, project

    try:
        if request.param == "postgres":
            pg.server_or_skip()
            with pg.fresh_database() as name:
                yield run(Engine("postgres", {"COSTCALC_PG_DATABASE": name}))
        else:
            yield run(Engine("duckdb"))
    finally:
        mp.undo()
        clear_caches()


def _marts(built, sql: str) -> list[tuple]:
    engine, wh, _ = built
    from costcalc.reports import connect_published

    with engine.selected():
        con = connect_published(wh)
        try:
            return [tuple(r) for r in con.execute(sql).fetchall()]
        finally:
            con.close()


def _report(built, *args: str, threshold: int = 3) -> CliRunner:
    engine, wh, project = built
    (project / "costcalc.yml").write_text(f"disclosure:\n  threshold: {threshold}\n", encoding="utf-8")
    with engine.selected():
        res = CliRunner().invoke(main, ["--warehouse", str(wh), "report", "services", "--by", "supplier",
                                        *PERIOD, *args], env={"COSTCALC_PROJECT_DIR": str(project)})
    assert res.exit_code == 0, res.output
    return res


def _rows(res) -> list[dict]:
    return list(csv.DictReader(io.StringIO(res.stdout)))


def _of_type(rows: list[dict], service_type: str) -> dict[str, dict]:
    """The rows of one service type, by supplier (one row per supplier in a type)."""
    out = {r["supplier"]: r for r in rows if r["service_type"] == service_type}
    assert len(out) == sum(1 for r in rows if r["service_type"] == service_type)
    return out


def _num(text: str) -> float:
    return float(text) if text not in ("", None) else math.nan


def test_the_marts_carry_one_supplier_per_name_whatever_the_spelling(built):
    rows = dict(_marts(built, "SELECT supplier, spellings FROM marts.dim_supplier"))
    assert rows["Kingsway Lodge Ltd"] == 3  # 'Ltd', 'LIMITED', ' Kingsway  Lodge Ltd. '
    assert rows["Caring Hands Ltd"] == 2 and rows["Parkside Guest House"] == 1
    assert not any("kingsway" in s.lower() and s != "Kingsway Lodge Ltd" for s in rows)
    per_supplier = dict(_marts(built, "SELECT coalesce(supplier, '-'), count(*) FROM marts.fct_service_use "
                                      "GROUP BY supplier"))
    assert per_supplier["Kingsway Lodge Ltd"] == 4 and per_supplier["-"] == 1  # Fay: no landlord given
    assert _marts(built, "SELECT client_count, record_count FROM marts.dim_supplier "
                         "WHERE supplier = 'Kingsway Lodge Ltd'") == [(4, 4)]


def test_exact_figures_per_supplier_add_up_to_the_service_report(built):
    res = _report(built, "--format", "csv", "--exact", threshold=3)
    rows = _rows(res)
    bb = _of_type(rows, "Bed and Breakfast")
    king, park, none = bb["Kingsway Lodge Ltd"], bb["Parkside Guest House"], bb[NOT_GIVEN]
    assert (king["clients"], king["records"], king["days"]) == ("4", "4", "28")
    assert _num(king["cost"]) == pytest.approx(1400) and _num(king["cost_per_client"]) == pytest.approx(350)
    assert _num(king["cost_per_week"]) == pytest.approx(350)
    assert _num(park["cost"]) == pytest.approx(560) and _num(park["cost_per_week"]) == pytest.approx(280)
    assert _num(none["cost"]) == pytest.approx(210)
    for r, cost in ((king, 1400), (park, 560), (none, 210)):
        assert _num(r["share_of_type_cost"]) == pytest.approx(cost / 2170)
    care = _of_type(rows, "Home Care")["Caring Hands Ltd"]
    assert care["clients"] == "2" and _num(care["cost"]) == pytest.approx(2 * 140 * 31 / 7)
    assert _num(care["cost_per_week"]) == pytest.approx(140)
    equipment = _of_type(rows, "Equipment")["Community Equipment Service"]
    assert _num(equipment["cost"]) == pytest.approx(100) and equipment["cost_per_week"] == ""  # a one-off: no rate
    # the same period's `report services`: the suppliers' rows add up to each service type
    engine, wh, project = built
    with engine.selected():
        plain = CliRunner().invoke(main, ["--warehouse", str(wh), "report", "services", *PERIOD, "--format", "csv",
                                          "--exact"], env={"COSTCALC_PROJECT_DIR": str(project)})
    assert plain.exit_code == 0, plain.output
    for t in csv.DictReader(io.StringIO(plain.stdout)):
        split = [r for r in rows if (r["service"], r["service_type"]) == (t["service"], t["service_type"])]
        assert sum(_num(r["cost"]) for r in split) == pytest.approx(_num(t["cost"])), t


def test_a_small_supplier_is_not_named_and_small_numbers_are_suppressed(built):
    """Threshold 3: Parkside (one client) is not named; its row joins the small suppliers',
    whose one client is suppressed; so is what would let the type's total reveal it."""
    res = _report(built, "--format", "csv", threshold=3)
    text = res.stdout + res.output
    for hidden in ("Parkside", "Community Equipment", "HYPERLINK", "Red Care"):
        assert hidden not in text, hidden
    rows = _rows(res)
    small = SMALL_SUPPLIERS.format(t=3)
    bb = _of_type(rows, "Bed and Breakfast")
    assert set(bb) == {"Kingsway Lodge Ltd", small, NOT_GIVEN}
    assert bb[small]["clients"] == "<3" and bb[small]["cost"] == "<3"
    assert bb[NOT_GIVEN]["clients"] == "<3"
    # two suppressed cells of 1 client each cover fewer than 3 people: Kingsway is hidden too
    assert bb["Kingsway Lodge Ltd"]["cost"] == "<3"
    assert set(_of_type(rows, "Home Care")) == {small}  # Caring Hands has 2 clients: fewer than 3


def test_with_threshold_one_every_supplier_is_named_and_the_report_is_for_publication(built):
    res = _report(built, "--format", "csv", threshold=1)
    names = {r["supplier"] for r in _rows(res)}
    assert {"Kingsway Lodge Ltd", "Parkside Guest House", "Caring Hands Ltd"} <= names
    assert not any(name.startswith("(suppliers of") for name in names)


def test_hostile_supplier_names_reach_no_terminal_or_spreadsheet_as_code(built, tmp_path):
    """A formula in a supplier name is written as text in CSV and .xlsx; an escape
    sequence never reaches the terminal."""
    res = _report(built, "--format", "csv", "--exact", threshold=1)
    names = [r["supplier"] for r in csv.DictReader(io.StringIO(res.stdout))]
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names), names
    assert any("HYPERLINK" in n for n in names)
    table = _report(built, "--exact", threshold=1)
    assert "\x1b" not in table.stdout and "Red Care Ltd" in table.stdout
    out = tmp_path / "suppliers.xlsx"
    _report(built, "--exact", "--format", "xlsx", "--output", str(out), threshold=1)
    from openpyxl import load_workbook

    cells = [c.value for row in load_workbook(out).active.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("HYPERLINK" in c for c in cells)
    assert not any(c.startswith("=") for c in cells)


def test_the_supplier_query_translates_to_tsql_with_its_values_as_parameters():
    """SQL Server: the report's SQL parses as T-SQL, and the
    labels and the threshold stay parameters."""
    import sqlglot

    from costcalc.reports.filters import ReportFilters, _base_query
    from costcalc.reports.suppliers import _SQL
    from costcalc.warehouse.engines import translate

    q = _base_query(ReportFilters(), (date(2024, 1, 1), date(2024, 1, 31)))
    q.add(_SQL, NOT_GIVEN, 10, SMALL_SUPPLIERS.format(t=10), NOT_GIVEN, SMALL_SUPPLIERS.format(t=10))
    text, params = translate(q.text(), "tsql", q.params)
    sqlglot.parse_one(text, read="tsql")
    assert NOT_GIVEN not in text and "fewer than" not in text
    assert params.count(NOT_GIVEN) == 2 and 10 in params
