"""The provenance mart and the dashboard on the real pipeline: files -> load -> dbt build ->
publish the marts -> `costcalc publish` / `report --format xlsx`."""

from __future__ import annotations

import csv
from datetime import date

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner

from costcalc import reports
from costcalc.cli import main
from costcalc.ingest import landing
from costcalc.reports import render
from costcalc.transform.publish import build_and_publish, published_path
from test_reports_real_build import FILES

EXTRACT_DATES = {"temporary_accommodation": date(2024, 2, 29), "adult_social_care": date(2024, 3, 20)}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("dash_real")
    wh = root / "wh.duckdb"
    for name, (schema, file_type, rows) in FILES.items():
        path = root / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        res = landing.load_file(wh, path, schema=schema, file_type=file_type,
                                extract_date=EXTRACT_DATES.get(file_type, date(2024, 2, 29)))
        assert res.status == "loaded", res.message
    result = build_and_publish(wh, target_path=root / "dbt_target")
    assert result.success and result.published, result.summary()
    return wh


def test_dim_data_extract_holds_each_file_types_latest_extract_and_no_file_names(published):
    con = duckdb.connect(str(published_path(published)), read_only=True)
    try:
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
            "AND table_name = 'dim_data_extract' ORDER BY ordinal_position").fetchall()]
        rows = {r[0]: r[1:] for r in con.execute(
            "SELECT file_type, service, latest_extract_date, files_loaded FROM marts.dim_data_extract").fetchall()}
    finally:
        con.close()
    assert cols == ["file_type", "service", "latest_extract_date", "files_loaded"]
    # its own YAML file (beside _marts.yml, for clean merges) declares an enforced contract of those columns
    import yaml
    from costcalc.paths import MODELS_DIR

    models = yaml.safe_load((MODELS_DIR / "marts" / "_marts_extracts.yml").read_text(encoding="utf-8"))["models"]
    assert [m["name"] for m in models] == ["dim_data_extract"]
    assert models[0]["config"]["contract"]["enforced"]
    assert [c["name"] for c in models[0]["columns"]] == cols
    assert all(c.get("data_type") and c.get("description") for c in models[0]["columns"])
    assert rows["adult_social_care"] == ("Adult Social Care", date(2024, 3, 20), 1)
    assert rows["temporary_accommodation"] == ("Temporary Accommodation", date(2024, 2, 29), 1)
    assert len(rows) == len(FILES)


def test_provenance_and_workbook_from_the_real_build(published, tmp_path):
    con = reports.connect_published(published)
    try:
        prov = render.read_provenance(con)
    finally:
        con.close()
    assert prov.build_id is not None and prov.published_at is not None
    assert {e.file_type: e.latest_extract_date for e in prov.extracts}["adult_social_care"] == date(2024, 3, 20)
    out = tmp_path / "s.xlsx"
    res = CliRunner().invoke(main, ["--warehouse", str(published), "report", "services", "--format", "xlsx",
                                    "--output", str(out)])
    assert res.exit_code == 0, res.output
    about = {r[0]: r[1] for r in openpyxl.load_workbook(out)["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Data extracted: Adult Social Care"] == "up to 20/03/2024 (1 file loaded)"
    assert about["Built"].startswith(f"build {prov.build_id}, published ")


def test_publish_from_the_real_build(published, tmp_path):
    res = CliRunner().invoke(main, ["--warehouse", str(published), "publish", str(tmp_path / "site")])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "site").glob("service-*.html"))
    assert names == ["service-adult-social-care.html", "service-general-service.html",
                     "service-housing-benefit.html", "service-temporary-accommodation.html"]
    text = (tmp_path / "site" / "index.html").read_text()
    for person in ("Ann", "Example", "Sample", "TW3 1AB", "03/03/1984", "QQ123456C"):
        assert person not in text
