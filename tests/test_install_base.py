"""The base package, installed from a wheel with no extras, works from any directory.

A real wheel is built from this checkout and installed into its own venv
(``.venv-base``, kept between runs; only costcalc itself is reinstalled), with
none of the optional engines' packages. From a folder outside the checkout,
with a project directory of its own, it generates, loads, builds and reports
on DuckDB; choosing a server engine fails with one line naming the extra.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from costcalc.paths import REPO_ROOT

pytestmark = pytest.mark.slow

VENV = REPO_ROOT / ".venv-base"
OPTIONAL = ("sqlglot", "psycopg2", "pyodbc", "pyspark", "dbt.adapters.postgres", "dbt.adapters.sqlserver")


def _run(args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=900, **kw)


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COSTCALC_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def base_venv(tmp_path_factory) -> Path:
    wheels = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(REPO_ROOT)])
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(wheels.glob("costcalc-*.whl"))
    py = VENV / "bin" / "python"
    stamp = VENV / ".deps"
    deps = hashlib.sha256((REPO_ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not py.exists() or not stamp.exists() or stamp.read_text() != deps:
        made = _run([sys.executable, "-m", "venv", "--clear", str(VENV)])
        assert made.returncode == 0, made.stderr
        inst = _run([str(py), "-m", "pip", "install", "--quiet", str(wheel)])
        assert inst.returncode == 0, inst.stderr[-3000:]
        stamp.write_text(deps)
    else:
        inst = _run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", str(wheel)])
        assert inst.returncode == 0, inst.stderr[-3000:]
    return VENV


def test_the_base_venv_has_no_optional_engine(base_venv):
    for module in OPTIONAL:
        r = _run([str(base_venv / "bin" / "python"), "-c", f"import {module}"])
        assert r.returncode != 0 and "No module named" in r.stderr, module


def test_a_wheel_loads_builds_and_reports_from_any_directory(base_venv, tmp_path):
    py = base_venv / "bin" / "python"
    site = Path(_run([str(py), "-c", "import costcalc, os; print(os.path.dirname(costcalc.__file__))"]).stdout.strip())
    assert (site / "bundle" / "dbt_project" / "dbt_project.yml").is_file()
    assert site != REPO_ROOT / "loader" / "costcalc"  # the installed copy, not the checkout
    in_checkout = _run([str(py), "-c", "from costcalc import paths; print(paths.IN_CHECKOUT, paths.CODE_ROOT)"])
    assert in_checkout.stdout.split() == ["False", str(site / "bundle")]
    installed_before = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)

    work = tmp_path / "elsewhere"
    work.mkdir()
    project = tmp_path / "council"
    r = _run([str(base_venv / "bin" / "costcalc"), "--project-dir", str(project),
              "--warehouse", str(work / "wh.duckdb"), "demo", "--people", "150", "--out", str(work / "files")],
             cwd=work, env=_clean_env())
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-3000:])
    assert "Temporary Accommodation" in r.stdout  # the reports printed
    assert "(all services)" in r.stdout
    # the generated dbt inputs and dbt's artefacts went to the project directory ...
    assert (project / ".costcalc" / "dbt" / "macros" / "schema_registry.sql").is_file()
    assert (project / ".costcalc" / "dbt" / "target" / "manifest.json").is_file()
    # ... and nothing was written into the installed package
    installed_after = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)
    assert installed_after == installed_before

    # a report on its own, from the same warehouse
    r = _run([str(base_venv / "bin" / "costcalc"), "--project-dir", str(project), "--warehouse", str(work / "wh.duckdb"),
              "report", "services", "--format", "csv"], cwd=work, env=_clean_env())
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.splitlines()[0].startswith("service")


@pytest.mark.parametrize("target", ["postgres", "sqlserver", "spark"])
def test_a_server_engine_without_its_extra_fails_with_one_line(base_venv, tmp_path, target):
    r = _run([str(base_venv / "bin" / "costcalc"), "--project-dir", str(tmp_path), "--target", target, "build"],
             cwd=tmp_path, env=_clean_env())
    assert r.returncode != 0
    assert "Traceback" not in r.stderr + r.stdout
    assert "costcalc[engines]" in r.stderr + r.stdout
