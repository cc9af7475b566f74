"""dbt's own surfaces (docs/warehouse.md, "Exposures", "Documentation", "Semantic layer"):

- exposures (models/marts/_exposures.yml) name every report, dashboard page and
  reader, and depend on exactly the marts each reads: checked against the SQL the
  reports really run on a built demo warehouse;
- `dbt docs generate` documents every column of every mart, staging model,
  restricted model and seed, as built;
- the semantic layer (models/marts/_semantic_models.yml) parses with plain dbt
  (a broken metric fails the parse), and `mf query` (dbt-metricflow, the
  `metrics` extra) gives the numbers of `costcalc report` for whole months.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from costcalc import reports
from costcalc.reports.filters import ReportFilters
from costcalc.at_risk.evaluation import evaluate as evaluate_at_risk
from costcalc.reports.households import household_breakdown, top_households
from costcalc.reports.pathways import PathwaysFilters, pathways
from costcalc.transform.build import invoke_dbt

REPORT_EXPOSURES = {"report_top_clients", "report_client", "report_services", "report_ta_comparison",
                    "report_memberships", "report_needs", "report_top_households", "report_household",
                    "report_at_risk", "report_pathways"}
DASHBOARD_EXPOSURES = {"dashboard_index", "dashboard_spend_by_service", "dashboard_top_clients",
                       "dashboard_ta_comparison", "dashboard_trends", "dashboard_service_pages"}
OTHER_EXPOSURES = {"bi_published_marts", "semantic_layer", "caseworker_lookup", "caseworker_at_risk_list"}
PUBLIC_MARTS = {"client_record_links", "fct_cost_monthly", "fct_service_use", "dim_client", "fct_client_membership",
                "rpt_spend_by_client", "rpt_spend_by_service", "rpt_client_breakdown", "rpt_ta_vs_population",
                "dim_data_extract", "dim_household", "fct_household_membership", "fct_household_cost_monthly",
                "fct_at_risk_backtest",
                "fct_pathways_cohort", "fct_pathways_before_ta", "rpt_pathways_into_ta", "dim_supplier"}
METRICS = {"total_cost", "clients", "cost_per_client", "records_started", "clients_starting"}
#: The demo's report year (costcalc demo: 1 April 2025 to 31 March 2026).
FY = (date(2025, 4, 1), date(2026, 3, 31))


def _parse(root: Path) -> tuple[dict, dict]:
    result = invoke_dbt(root / "wh.duckdb", ["parse"], target_path=root / "target")
    assert result.success, result.error
    return (json.loads((root / "target" / "manifest.json").read_text(encoding="utf-8")),
            json.loads((root / "target" / "semantic_manifest.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    """`dbt parse` of the project as costcalc assembles it: (manifest, semantic manifest)."""
    return _parse(tmp_path_factory.mktemp("parse"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo borough loaded and built (as `costcalc demo`): the warehouse file, closed."""
    from costcalc.commands.demo import run_demo

    root = tmp_path_factory.mktemp("demo")
    warehouse = root / "warehouse.duckdb"
    run_demo(warehouse, root / "files", 400, 2026, echo=lambda *a, **k: None)
    return warehouse


def _exposures(manifest: dict) -> dict[str, dict]:
    return {e["name"]: e for e in manifest["exposures"].values()}


# ------------------------------------------------------------------------------ exposures

def test_exposures_name_every_report_page_and_reader_and_resolve(parsed):
    manifest, _ = parsed
    exposures = _exposures(manifest)
    assert set(exposures) == REPORT_EXPOSURES | DASHBOARD_EXPOSURES | OTHER_EXPOSURES
    for name, e in exposures.items():
        assert e["owner"]["name"], name
        assert e["description"].strip() and e["label"], name
        assert e["depends_on"]["nodes"], name
        for uid in e["depends_on"]["nodes"]:  # every ref() / metric() resolved to a node of the project
            assert uid in manifest["nodes"] or uid in manifest["metrics"], (name, uid)
    assert {e["type"] for n, e in exposures.items() if n in DASHBOARD_EXPOSURES} == {"dashboard"}
    marts_of = {n: {uid.split(".")[-1] for uid in e["depends_on"]["nodes"]} for n, e in exposures.items()}
    assert marts_of["bi_published_marts"] == PUBLIC_MARTS
    assert marts_of["semantic_layer"] == METRICS
    # only the audited lookup and the audited at-risk list read the restricted schema
    restricted = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"
                  and n["original_file_path"].startswith("models/restricted/")}
    assert {n for n, m in marts_of.items() if m & restricted} == {"caseworker_lookup", "caseworker_at_risk_list"}


class _Recording:
    """A connection that remembers every SQL statement it runs."""

    def __init__(self, con):
        self._con, self.sql = con, []

    def execute(self, sql, *args):
        self.sql.append(sql)
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


def _marts_read(statements: list[str]) -> set[str]:
    return {m.lower() for s in statements for m in re.findall(r"\bmarts\.(\w+)", s, re.IGNORECASE)}


def test_report_exposures_depend_on_exactly_the_marts_the_reports_read(parsed, demo):
    """Each report is run (with every filter, so every fragment's table is read) on the
    demo's published marts, its SQL recorded: the marts it names are its exposure's refs."""
    manifest, _ = parsed
    exposures = _exposures(manifest)
    con = reports.connect_published(demo)
    try:
        client = con.execute("SELECT client_id FROM marts.dim_client ORDER BY client_id LIMIT 1").fetchone()[0]
        household = con.execute("SELECT household_id FROM marts.dim_household ORDER BY 1 LIMIT 1").fetchone()[0]
        every = ReportFilters(date_from=FY[0], date_to=FY[1], services=("Adult Social Care",),
                              service_types=("Home Care",), with_memberships=("Housing Benefit",),
                              without_memberships=("Troubled Families",), ever_temporary_accommodation=False,
                              min_age=18, max_age=90, needs=("Physical Support",))
        runs = {"report_top_clients": lambda c, f: reports.top_clients(c, f),
                "report_client": lambda c, f: reports.client_breakdown(c, client, f),
                "report_services": lambda c, f: (reports.services(c, f), reports.services(c, f, by="supplier")),
                "report_ta_comparison": lambda c, f: reports.ta_comparison(c, f),
                "report_memberships": lambda c, f: reports.memberships(c),
                "report_needs": lambda c, f: reports.needs(c),
                "report_top_households": lambda c, f: top_households(c, f),
                "report_household": lambda c, f: household_breakdown(c, household, f),
                "report_at_risk": lambda c, f: evaluate_at_risk(c),
                "report_pathways": lambda c, f: pathways(c, PathwaysFilters(
                    date_from=f.date_from, date_to=f.date_to, services=f.services, service_types=f.service_types,
                    age_bands=("25-34",) if f.services else (), household_types=("One person",) if f.services else ()))}
        for name, run in runs.items():
            rec = _Recording(con)
            for f in (ReportFilters(), every):
                run(rec, f)
            refs = {uid.split(".")[-1] for uid in exposures[name]["depends_on"]["nodes"]}
            assert refs == _marts_read(rec.sql), name
    finally:
        con.close()


# ------------------------------------------------------------------------------ documentation

#: The folders whose models must be documented column by column (intermediate models are
#: internal steps, documented per model: see docs/warehouse.md, "Documentation").
DOCUMENTED = ("models/marts/", "models/staging/", "models/restricted/")


def test_docs_generate_describes_every_public_model_and_column(demo, tmp_path):
    """`dbt docs generate` on the built demo: every mart, staging and restricted model and
    every seed has a description, and so has every column the warehouse holds for it."""
    target = tmp_path / "target"
    result = invoke_dbt(demo, ["docs", "generate"], target_path=target)
    assert result.success, result.error
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    missing, checked = [], defaultdict(int)
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] == "seed":
            kind = "seed"
        elif node["resource_type"] == "model" and node["original_file_path"].startswith(DOCUMENTED):
            kind = node["original_file_path"].split("/")[1]
        elif node["resource_type"] == "model" and node["original_file_path"].startswith("../models/staging/"):
            kind = "staging"  # generated from schemas/ (costcalc.transform.registry)
        else:
            continue
        if not node["description"].strip():
            missing.append(node["name"])
        built = catalog["nodes"].get(uid)
        assert built is not None, f"{node['name']} was not built"
        for column in built["columns"]:
            checked[kind] += 1
            if not (node["columns"].get(column.lower()) or {}).get("description", "").strip():
                missing.append(f"{node['name']}.{column}")
    assert not missing, f"undocumented: {', '.join(missing)}"
    assert checked["marts"] >= 70 and checked["restricted"] >= 40 and checked["staging"] >= 150 \
        and checked["seed"] >= 29, dict(checked)


def test_intermediate_models_each_have_a_description(parsed):
    manifest, _ = parsed
    bare = [n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"
            and n["original_file_path"].startswith("models/intermediate/") and not n["description"].strip()]
    assert not bare, f"intermediate models without a description: {bare}"


# ------------------------------------------------------------------------------ semantic layer

def test_semantic_models_and_metrics_parse_with_plain_dbt(parsed):
    manifest, semantic = parsed
    assert {m["name"] for m in semantic["semantic_models"]} == {"cost_monthly", "service_use", "clients"}
    assert {m["name"] for m in semantic["metrics"]} == METRICS
    ratio = next(m for m in semantic["metrics"] if m["name"] == "cost_per_client")
    assert (ratio["type_params"]["numerator"]["name"], ratio["type_params"]["denominator"]["name"]) == \
        ("total_cost", "clients")
    spine = [n for n in manifest["nodes"].values() if n.get("time_spine")]
    assert [(n["name"], n["time_spine"]["standard_granularity_column"]) for n in spine] == \
        [("time_spine_daily", "date_day")]
    models = {m["name"]: m["node_relation"]["alias"] for m in semantic["semantic_models"]}
    assert models == {"cost_monthly": "fct_cost_monthly", "service_use": "fct_service_use", "clients": "dim_client"}


def test_a_broken_metric_fails_the_parse(tmp_path, monkeypatch):
    """dbt parse validates the semantic layer: a metric naming a measure that does not
    exist fails it."""
    from costcalc.paths import MODELS_DIR
    from costcalc.transform import registry as registry_mod

    root = tmp_path / "project"
    shutil.copytree(MODELS_DIR, root / "models")
    path = root / "models" / "marts" / "_semantic_models.yml"
    text = path.read_text(encoding="utf-8")
    assert text.count("measure: costed_clients") == 1
    path.write_text(text.replace("measure: costed_clients", "measure: no_such_measure"), encoding="utf-8")
    monkeypatch.setattr(registry_mod, "MODELS_DIR", root / "models")
    result = invoke_dbt(tmp_path / "wh.duckdb", ["parse"], target_path=tmp_path / "target")
    assert not result.success
    monkeypatch.undo()
    _parse(tmp_path / "again")  # the real project parses again


def _mf(project: Path, warehouse: Path, *args: str) -> list[dict]:
    """`mf query ... --csv` run as a user runs it, in the dbt project; the rows."""
    out = project.parent / f"mf-{len(list(project.parent.glob('mf-*.csv')))}.csv"
    mf = Path(sys.executable).with_name("mf")
    env = {**os.environ, "COSTCALC_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(project),
           "COSTCALC_TARGET": "duckdb"}
    done = subprocess.run([str(mf), "query", *args, "--csv", str(out), "--quiet"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_mf_query_gives_the_numbers_of_costcalc_report(demo):
    """total_cost, clients and cost_per_client by service and service type for the demo's
    year, total_cost by month for two single months, and total_cost by age band: each
    as `costcalc report services` / `top-clients` gives it for the same whole months."""
    from costcalc.transform.build import prepare

    pytest.importorskip("dbt_metricflow", reason="the semantic-layer test needs the `metrics` extra")
    project = prepare()
    result = invoke_dbt(demo, ["parse"], target_path=project / "target")  # mf reads <project>/target
    assert result.success, result.error

    by_type = _mf(project, demo, "--metrics", "total_cost,clients,cost_per_client",
                  "--group-by", "cost__service,cost__service_type",
                  "--start-time", FY[0].isoformat(), "--end-time", FY[1].isoformat())
    monthly = _mf(project, demo, "--metrics", "total_cost", "--group-by", "metric_time__month,client__age_band",
                  "--start-time", FY[0].isoformat(), "--end-time", FY[1].isoformat())

    con = reports.connect_published(demo)
    try:
        report = reports.services(con, ReportFilters(date_from=FY[0], date_to=FY[1]), exact=True).frame
        expected = {(r.service, r.service_type): (r.cost, r.clients, r.mean_per_client)
                    for r in report.itertuples()}
        got = {(r["cost__service"], r["cost__service_type"]):
               (float(r["total_cost"]), int(r["clients"]), float(r["cost_per_client"])) for r in by_type}
        assert set(got) == set(expected) and len(got) >= 8
        for key, (cost, clients, mean) in expected.items():
            assert got[key][0] == pytest.approx(cost, rel=1e-9, abs=1e-6), key
            assert got[key][1] == clients, key
            assert got[key][2] == pytest.approx(mean, rel=1e-9, abs=1e-6), key

        per_month = defaultdict(float)
        per_band = defaultdict(float)
        for r in monthly:
            per_month[r["metric_time__month"][:10]] += float(r["total_cost"])
            per_band[r["client__age_band"]] += float(r["total_cost"])
        assert len(per_month) == 12
        for first, last in ((date(2025, 4, 1), date(2025, 4, 30)), (date(2026, 2, 1), date(2026, 2, 28))):
            month = reports.services(con, ReportFilters(date_from=first, date_to=last), exact=True).frame
            assert per_month[first.isoformat()] == pytest.approx(month["cost"].sum(), rel=1e-9), first

        clients = reports.top_clients(con, ReportFilters(date_from=FY[0], date_to=FY[1]), limit=10**6).frame
        bands = clients.groupby("age_band")["cost"].sum()
        assert len(bands) >= 3
        assert {b for b, c in per_band.items() if c} == {b for b, c in bands.items() if c}
        for band, cost in bands.items():
            assert per_band[band] == pytest.approx(cost, rel=1e-9, abs=1e-6), band
    finally:
        con.close()
