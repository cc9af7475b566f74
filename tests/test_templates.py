"""Provider templates (`costcalc template`, costcalc.templates; docs/templates.md).

Every file type's template is written by the real command, filled in with
openpyxl as a provider fills it in Excel (values typed into the data sheet,
each cell taking its column's format), saved, and loaded by the real loader
into a real DuckDB warehouse: no row may be rejected. The workbook is reopened
with openpyxl to check its headers, marks, validations, formats and
instructions against the schema.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from costcalc.ingest.values import nhs_checksum_ok
from costcalc.schemas import clear_caches, header_key, load_date_limits, load_file_types, load_frequencies, load_schemas
from costcalc.templates.columns import ERROR_MAX, PROMPT_MAX, TITLE_MAX
from costcalc.templates.workbook import DATA_SHEET, IDENTIFIER_FILL, INSTRUCTIONS_SHEET, LISTS_SHEET, REQUIRED_FILL

FILE_TYPES = list(load_file_types())
TODAY = dt.date.today()


def write_template(tmp_path: Path, file_type: str, name: str = "template.xlsx", *args) -> Path:
    out = tmp_path / name
    result = CliRunner().invoke(main, ["template", file_type, "--output", str(out), *args])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    return out


def column_format(ws, letter: str) -> str:
    """The number format of a column (openpyxl reads adjacent columns of one style as one range)."""
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.min <= ws[f"{letter}1"].column <= dim.max:
            return dim.number_format
    raise AssertionError(f"column {letter} has no format")


def validations_by_column(ws) -> dict[str, object]:
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_row == 2 and rng.max_row == 1_048_576 and rng.min_col == rng.max_col
            out[ws.cell(row=1, column=rng.min_col).column_letter] = dv
    return out


# ----------------------------------------------------------------------------- a provider's rows

def _nhs_numbers():
    n = 943476590
    while True:
        n += 1
        digits = str(n)
        for check in range(10):
            if nhs_checksum_ok(digits + str(check)):
                yield digits + str(check)
                break


def _end_columns(schema) -> set[str]:
    ends = {e for _, e in schema.date_pairs}
    end = (schema.service_use or {}).get("end")
    if isinstance(end, dict) and "column" in end:
        ends.add(end["column"])
    return ends


def provider_value(schema, column, i: int, freq_names: list[str], nhs) -> object:
    """What a provider types in row ``i`` (0-based) of ``column``: valid, and inside the
    template's own checks."""
    t = column.type
    if t == "date":
        if column.name == schema.identity.get("dob"):
            return dt.date(1980, 5, 17) + dt.timedelta(days=400 * i)
        if column.name in _end_columns(schema):
            return dt.date(2024, 9, 30) + dt.timedelta(days=i)
        return dt.date(2024, 4, 1) + dt.timedelta(days=i)
    if t == "money":
        return Decimal("125.50") + i
    if t == "integer":
        return 2 + i
    if t == "postcode":
        return ["SW1A 1AA", "M1 1AE", "B33 8TH"][i % 3]
    if t == "nhs_number":
        return next(nhs)
    if t == "ni_number":
        return f"QQ12345{i % 10}C"
    if t == "uprn":
        return str(100023336956 + i)
    if t == "frequency":
        return freq_names[i % len(freq_names)]
    return f"{column.name[:8]}-{i + 1}"


def needed(schema, file_type, column) -> bool:
    """A column a row must have: mandatory, the schema's first combination of identifiers
    (identified_by: GS01's surname and date of birth), or what costing needs (a cost, and its
    frequency when neither the column nor the file type says what a blank means)."""
    use = schema.service_use_column if schema.kind == "cost" else {}
    identifying = {schema.identity.get(f) for f in (schema.identified_by[0] if schema.identified_by else ())}
    if column.mandatory or column.name in identifying or column.name == use.get("unit_cost"):
        return True
    return column.name == use.get("frequency") and not (column.default or file_type.frequency)


def fill(path: Path, file_type: str, rows: int, only_needed: bool = False) -> list[dict]:
    """Type ``rows`` rows into the template's data sheet as a provider does in Excel: a
    value per cell, the cell taking its column's number format; save. The values written."""
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    headers = [c.value for c in ws[1]]
    file_type = load_file_types()[file_type]
    schema = load_schemas()[file_type.schema_code]
    by_key = {header_key(c.display): c for c in schema.columns}
    freq_names = [r[0].value for r in wb[LISTS_SHEET].iter_rows(min_row=2)]
    nhs = _nhs_numbers()
    written = []
    for i in range(rows):
        row = {}
        for pos, header in enumerate(headers, start=1):
            column = by_key[header_key(header)]
            if only_needed and not needed(schema, file_type, column):
                continue
            value = provider_value(schema, column, i, freq_names, nhs)
            cell = ws.cell(row=2 + i, column=pos, value=value)
            cell.number_format = column_format(ws, cell.column_letter)
            row[column.name] = value
        written.append(row)
    wb.save(path)
    return written


def identifying(schema) -> set[str]:
    """The columns a template marks as identifying: those of the schema's identified_by
    combinations, when some field of one is not mandatory (GS01; GS00's default combination
    is its mandatory columns, marked Required)."""
    combos = [{schema.identity[f] for f in combo} for combo in schema.identified_by]
    mandatory = {c.name for c in schema.columns if c.mandatory}
    if all(c <= mandatory for c in combos):
        return set()
    return set().union(*combos)


def allowed_provider(file_type) -> str:
    return "any_provider" if "*" in file_type.allowed_providers else file_type.allowed_providers[0]


# ----------------------------------------------------------------------------- the tests

@pytest.mark.parametrize("only_needed", [False, True], ids=["every-column", "required-only"])
@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_filled_template_loads_with_no_rejection(tmp_path, warehouse, file_type, only_needed):
    ft = load_file_types()[file_type]
    schema = load_schemas()[ft.schema_code]
    path = write_template(tmp_path, file_type, f"{file_type}_2026-03-31.xlsx")
    written = fill(path, file_type, rows=4, only_needed=only_needed)

    result = load_file(warehouse, path, file_type=file_type, provider=allowed_provider(ft),
                       extract_date=dt.date(2026, 3, 31))
    assert (result.status, result.rows_read, result.rows_accepted, result.rows_rejected) == ("loaded", 4, 4, 0), \
        (result.message, result.errors)
    assert result.unrecognised == [] and result.schema_code == schema.code and result.file_type == file_type

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.rejected_rows").fetchone()[0] == 0
        names = [c.name for c in schema.columns]
        got = con.execute(f"SELECT {', '.join(chr(34) + n + chr(34) for n in names)} FROM raw.{schema.table} "
                          "ORDER BY _source_row").fetchall()
    finally:
        con.close()
    assert len(got) == 4
    for row, values in zip(got, written):
        landed = dict(zip(names, row))
        for name, value in values.items():
            column = schema.column(name)
            if column.type in ("date", "money", "integer"):
                assert landed[name] == value, (name, landed[name], value)
            elif column.type == "text":
                assert landed[name] == value
        for name in names:
            if name not in values:
                # blank: nothing, or the column's default, or (a frequency) the file type's
                assert (landed[name] is None or schema.column(name).default
                        or (schema.column(name).type == "frequency" and landed[name] == ft.frequency)), name


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_template_headers_and_required_marks(tmp_path, file_type):
    ft = load_file_types()[file_type]
    schema = load_schemas()[ft.schema_code]
    wb = load_workbook(write_template(tmp_path, file_type))
    assert wb.sheetnames[0] == DATA_SHEET, "the loader reads the first sheet: it must be the data sheet"
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb.active.title == INSTRUCTIONS_SHEET
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets].count(True) == 1, "grouped sheets"
    ws = wb[DATA_SHEET]
    assert [c.value for c in ws[1]] == [c.display for c in schema.columns]
    assert ws.max_row == 1, "nothing but the header row"
    assert ws.freeze_panes == "A2"
    # every header is one the loader maps to its own column
    assert {pos: c.name for pos, c in schema.match_headers([c.value for c in ws[1]]).items()} == \
        {pos: c.name for pos, c in enumerate(schema.columns)}
    for cell, column in zip(ws[1], schema.columns):
        assert cell.comment is not None and cell.comment.text
        if column.mandatory:
            assert cell.font.bold, column.name
            assert cell.fill.fgColor.rgb.endswith(REQUIRED_FILL.fgColor.rgb[-6:])
            assert cell.comment.text.startswith("Required: every row needs a value."), column.name
        elif column.name in identifying(schema):
            assert cell.font.bold, column.name
            assert cell.fill.fgColor.rgb.endswith(IDENTIFIER_FILL.fgColor.rgb[-6:])
            assert cell.comment.text.startswith("Identifies the person: each row needs "), column.name
        else:
            assert not cell.font.bold, column.name
            assert not cell.comment.text.startswith(("Required", "Identifies")), column.name
            assert not cell.fill.fgColor.rgb.endswith(REQUIRED_FILL.fgColor.rgb[-6:])
            assert not cell.fill.fgColor.rgb.endswith(IDENTIFIER_FILL.fgColor.rgb[-6:])


def _date_formulas(schema, column):
    lim = load_date_limits()
    if column.name == schema.identity.get("dob"):
        return (f"DATE(YEAR(TODAY())-{lim.max_age_years},MONTH(TODAY()),DAY(TODAY()))", "TODAY()")
    return (f"DATE({lim.earliest.year},{lim.earliest.month},{lim.earliest.day})",
            f"DATE(YEAR(TODAY())+{lim.max_years_after_extract},MONTH(TODAY()),DAY(TODAY()))")


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_template_validations_and_formats(tmp_path, file_type):
    ft = load_file_types()[file_type]
    schema = load_schemas()[ft.schema_code]
    wb = load_workbook(write_template(tmp_path, file_type))
    ws = wb[DATA_SHEET]
    dvs = validations_by_column(ws)
    frequencies = list(load_frequencies())
    assert [r[0].value for r in wb[LISTS_SHEET].iter_rows(min_row=2)] == frequencies
    for cell, column in zip(ws[1], schema.columns):
        letter = cell.column_letter
        dv = dvs.get(letter)
        fmt = column_format(ws, letter)
        if column.type == "date":
            assert (dv.type, dv.operator, dv.errorStyle) == ("date", "between", "stop")
            assert (dv.formula1, dv.formula2) == _date_formulas(schema, column)
            assert fmt == "dd/mm/yyyy"
        elif column.type == "money":
            assert (dv.type, dv.operator, dv.formula1, dv.errorStyle) == ("decimal", "greaterThanOrEqual", "0",
                                                                          "warning")
            assert fmt == "#,##0.00"
        elif column.type == "integer":
            assert (dv.type, dv.operator, dv.formula1, dv.errorStyle) == ("whole", "greaterThanOrEqual", "0", "stop")
            assert fmt == "0"
        elif column.type == "frequency":
            assert dv.type == "list" and dv.errorStyle == "warning" and dv.allow_blank
            assert not dv.showDropDown  # (openpyxl's inverted flag: False shows the arrow)
            assert dv.formula1 == f"'{LISTS_SHEET}'!$A$2:$A${len(frequencies) + 1}"
            assert fmt == "@"
        elif column.name in identifying(schema):  # free text: the combinations as an input message only
            assert dv.type is None and not dv.showErrorMessage and dv.showInputMessage, column.name
            assert dv.prompt.startswith("Identifies the person: each row needs "), column.name
            assert fmt == "@", column.name
        else:
            assert dv is None, column.name
            assert fmt == "@", column.name  # text: leading zeros and codes kept as typed
        if column.name in identifying(schema):
            assert dv.prompt.startswith("Identifies the person: each row needs "), column.name
        elif dv is not None:
            assert "Identifies" not in dv.prompt
        if dv is not None and dv.type is not None:
            assert dv.showErrorMessage and dv.showInputMessage and dv.prompt
            assert len(dv.promptTitle) <= TITLE_MAX and len(dv.errorTitle) <= TITLE_MAX
            assert len(dv.prompt) <= PROMPT_MAX and len(dv.error) <= ERROR_MAX


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_instructions_sheet_says_what_each_column_means(tmp_path, file_type):
    ft = load_file_types()[file_type]
    schema = load_schemas()[ft.schema_code]
    ws = load_workbook(write_template(tmp_path, file_type))[INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    lim = load_date_limits()
    assert text.startswith(f"{ft.display_name}: how to fill in this workbook")
    assert schema.description in text
    required = [c.display for c in schema.columns if c.mandatory]
    assert "Required: " + ", ".join(required) + "." in text
    if any(c.type == "date" for c in schema.columns):
        assert f"from {lim.earliest:%d/%m/%Y} to {lim.max_years_after_extract} years after the extract date" in text
        assert f"more than {lim.max_age_years} years before the" in text
    if any(c.type == "frequency" for c in schema.columns):
        for name, f in load_frequencies().items():
            assert name in text
            for s in f.synonyms:
                assert s in text
    # how to name and drop the file (docs/watch.md)
    assert f"{ft.file_type}_2026-03-31.xlsx" in text
    assert f"incoming/{ft.file_type}/" in text
    assert "temporary name" in text and "never a shortcut or link" in text and ".errors.csv" in text
    # the column table: a row per column, in order, with what it means
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "Column" and r[1] == "Required")
    table = rows[start + 1:start + 1 + len(schema.columns)]
    assert [r[0] for r in table] == [c.display for c in schema.columns]
    for r, column in zip(table, schema.columns):
        assert (r[1] == "Yes") == column.mandatory
        assert str(r[1] or "").startswith("Identifies (") == (column.name in identifying(schema))
        assert r[2], f"{column.name} has no meaning on the Instructions sheet"
        if column.description:
            assert column.description in r[2]
        assert (r[6] == "Yes") == column.personal


def test_unknown_file_type_is_refused_naming_the_known_ones(tmp_path):
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(main, ["template", "temporary_acommodation", "--output", str(out)])
    assert result.exit_code == 1
    assert "unknown file type 'temporary_acommodation'" in result.output
    for name in FILE_TYPES:
        assert name in result.output
    assert not out.exists()


def test_file_type_by_display_name_as_the_watched_folder_names_it(tmp_path):
    path = write_template(tmp_path, "Adult Social Care")
    headers = [c.value for c in load_workbook(path)[DATA_SHEET][1]]
    assert headers == [c.display for c in load_schemas()["ASC01"].columns]


def test_output_through_a_symbolic_link_is_refused(tmp_path):
    target = tmp_path / "elsewhere.xlsx"
    target.write_bytes(b"precious")
    link = tmp_path / "template.xlsx"
    link.symlink_to(target)
    for extra in ([], ["--force"]):
        result = CliRunner().invoke(main, ["template", "general_service", "--output", str(link), *extra])
        assert result.exit_code == 1
        assert "symbolic link" in result.output
        assert target.read_bytes() == b"precious" and link.is_symlink()
    dangling = tmp_path / "dangling.xlsx"
    dangling.symlink_to(tmp_path / "nowhere.xlsx")
    result = CliRunner().invoke(main, ["template", "general_service", "--output", str(dangling)])
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert not (tmp_path / "nowhere.xlsx").exists()


def test_existing_file_kept_unless_force_and_other_outputs_refused(tmp_path):
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(b"a provider's work")
    result = CliRunner().invoke(main, ["template", "general_service", "--output", str(filled)])
    assert result.exit_code == 1 and "exists already" in result.output
    assert filled.read_bytes() == b"a provider's work"
    write_template(tmp_path, "general_service", "filled.xlsx", "--force")
    assert load_workbook(filled).sheetnames[0] == DATA_SHEET
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")], "no temporary file left"

    result = CliRunner().invoke(main, ["template", "general_service", "--output", str(tmp_path / "t.csv")])
    assert result.exit_code == 1 and "ending .xlsx" in result.output
    (tmp_path / "dir.xlsx").mkdir()
    result = CliRunner().invoke(main, ["template", "general_service", "--output", str(tmp_path / "dir.xlsx"),
                                       "--force"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["template", "general_service", "--output", str(tmp_path / "no" / "t.xlsx")])
    assert result.exit_code == 1 and "no such folder" in result.output


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project directory of its own (schemas/ and seeds/ beside the shipped ones)."""
    folder = tmp_path / "project"
    (folder / "schemas").mkdir(parents=True)
    (folder / "seeds").mkdir()
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(folder))
    clear_caches()
    yield folder
    clear_caches()


def test_long_frequency_list_with_a_comma_is_listed_from_the_hidden_sheet(tmp_path, warehouse, project):
    """An inline list validation holds at most 255 characters and no comma: a project's
    frequencies beyond that are still all offered, and a row using one loads."""
    shipped = (Path(__file__).resolve().parents[1] / "schemas" / "frequencies.yaml").read_text(encoding="utf-8")
    extra = "".join(f"Every {n} weeks, in arrears, by the provider's own billing cycle: {{multiply: 1, divide: {7 * n}}}\n"
                    for n in range(3, 9))
    (project / "schemas" / "frequencies.yaml").write_text(shipped + extra, encoding="utf-8")
    clear_caches()
    frequencies = list(load_frequencies())
    assert len(",".join(frequencies)) > 255
    path = write_template(tmp_path, "general_service", "gs_2026-03-31.xlsx")
    wb = load_workbook(path)
    assert [r[0].value for r in wb[LISTS_SHEET].iter_rows(min_row=2)] == frequencies
    letter = next(c.column_letter for c in wb[DATA_SHEET][1] if c.value == "Cost Frequency")
    dv = validations_by_column(wb[DATA_SHEET])[letter]
    assert dv.formula1 == f"'{LISTS_SHEET}'!$A$2:$A${len(frequencies) + 1}"
    written = fill(path, "general_service", rows=len(frequencies))
    assert {r["costfrequency"] for r in written} == set(frequencies)
    result = load_file(warehouse, path, file_type="general_service", extract_date=dt.date(2026, 3, 31))
    assert (result.status, result.rows_rejected) == ("loaded", 0), result.errors


def test_hostile_schema_text_never_becomes_a_formula(tmp_path, project):
    """A project's schema text (descriptions, names) reaches the workbook as text: a
    formula is neutralised, control characters Excel refuses are dropped."""
    (project / "schemas" / "xx01.yaml").write_text(
        "code: XX01\nname: Hostile\nkind: status\n"
        "description: '=HYPERLINK(\"http://evil.example\",\"click\")'\n"
        "columns:\n"
        "  surname: {type: text, mandatory: true, personal: true, description: \"=1+1\\x07 bell\"}\n"
        "  dob: {type: date, mandatory: true, personal: true}\n"
        "  postcode: {type: postcode, mandatory: true, personal: true}\n"
        "identity: {surname: surname, dob: dob, postcode: postcode}\n"
        "natural_key: [identity.surname, identity.dob, identity.postcode]\n", encoding="utf-8")
    shipped = (Path(__file__).resolve().parents[1] / "seeds" / "file_types.csv").read_text(encoding="utf-8")
    (project / "seeds" / "file_types.csv").write_text(shipped + "hostile,+Hostile,XX01,*,,\n", encoding="utf-8")
    clear_caches()
    wb = load_workbook(write_template(tmp_path, "hostile"))
    cells = [c for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "'=HYPERLINK(\"http://evil.example\",\"click\")" for c in cells)
    assert any(c.value == "'+Hostile: how to fill in this workbook" for c in cells)
    assert not any("\x07" in str(c.value) for c in cells)
    assert all(c.data_type != "f" for c in wb[DATA_SHEET][1])


def test_a_schema_with_identifier_combinations_says_which_are_enough(tmp_path, warehouse):
    """GS01 (identified_by: [[surname, dob], [nhs_number], [ni_number, surname]]): no identifier
    column is required, and the template says which combinations are: on the Instructions
    sheet, numbered, and in the column table (which combinations each column is part of), in
    each identifying header's comment and input message. What it says is what the loader does:
    a row with any one combination loads, a row with none is rejected."""
    file_type = "dhp_awards"
    schema = load_schemas()[load_file_types()[file_type].schema_code]
    assert schema.code == "GS01" and not any(schema.column(schema.identity[f]).mandatory
                                             for f in ("surname", "dob", "nhs_number", "ni_number"))
    path = write_template(tmp_path, file_type, f"{file_type}_2026-03-31.xlsx")
    wb = load_workbook(path)
    header = {f: schema.column(schema.identity[f]).display
              for f in ("surname", "dob", "nhs_number", "ni_number")}
    combos = (f"(1) {header['surname']} and {header['dob']}; or (2) {header['nhs_number']} (valid); "
              f"or (3) {header['ni_number']} (valid) and {header['surname']}")
    text = "\n".join(str(c.value) for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert "Required: " + ", ".join(c.display for c in schema.columns if c.mandatory) + "." in text
    assert f"every row needs one of these combinations, each of its columns filled in: {combos}." in text
    assert "a row with none of the combinations is rejected" in text
    table = {r[0]: r[1] for r in wb[INSTRUCTIONS_SHEET].iter_rows(values_only=True) if r[0] in header.values()}
    assert table == {header["surname"]: "Identifies (1, 3)", header["dob"]: "Identifies (1)",
                     header["nhs_number"]: "Identifies (2)", header["ni_number"]: "Identifies (3)"}
    ws = wb[DATA_SHEET]
    plain = combos.replace("(1) ", "").replace("(2) ", "").replace("(3) ", "")
    for cell in ws[1]:
        if cell.value in header.values():
            assert cell.comment.text.startswith(f"Identifies the person: each row needs {plain}."), cell.value
    for col, dv in validations_by_column(ws).items():
        if ws[f"{col}1"].value in header.values():
            assert dv.prompt.startswith(f"Identifies the person: each row needs {plain}."), ws[f"{col}1"].value
    # rows filled in as the template says: each with one combination only, and one with none
    headers = [c.value for c in ws[1]]
    by_key = {header_key(c.display): c for c in schema.columns}
    nhs = _nhs_numbers()
    only = [{"surname", "dob"}, {"nhs_number"}, {"ni_number", "surname"}, set()]
    for i, fields in enumerate(only):
        for pos, h in enumerate(headers, start=1):
            column = by_key[header_key(h)]
            role = next((f for f, c in schema.identity.items() if c == column.name), None)
            if role in ("surname", "dob", "nhs_number", "ni_number", "firstname", "postcode") and role not in fields:
                continue
            if not (column.mandatory or role in fields or column.name == schema.service_use_column.get("unit_cost")):
                continue
            value = f"AB12345{i}C" if role == "ni_number" else provider_value(schema, column, i, [], nhs)
            cell = ws.cell(row=2 + i, column=pos, value=value)
            cell.number_format = column_format(ws, cell.column_letter)
    wb.save(path)
    result = load_file(warehouse, path, file_type=file_type, provider=allowed_provider(load_file_types()[file_type]),
                       extract_date=dt.date(2026, 3, 31))
    assert (result.status, result.rows_accepted, result.rows_rejected) == ("loaded", 3, 1), \
        (result.message, result.errors)
