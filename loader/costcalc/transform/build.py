"""Run dbt: build the warehouse's staging, intermediate, marts and restricted
models from the raw layer.

``run_build(warehouse)`` is what other modules call; ``costcalc build`` (see
``costcalc.commands.build``) is the command. Both write the generated dbt inputs
first (``prepare()``: the schema registry, raw sources and seeds, into the
project directory's ``.costcalc/dbt``), then run ``dbt build`` in-process with
the project and profiles in ``dbt_project/``, ``COSTCALC_WAREHOUSE`` set to
the warehouse file, and dbt's artefacts and logs in ``.costcalc/dbt/target``:
nothing is written into the source tree (which may be an installed package).

A build is incremental where a model can be (docs/scale.md, "Incremental
builds"); ``full_refresh=True`` (``costcalc build --full-refresh``) passes dbt's
``--full-refresh`` and rebuilds those models in full. The client-id ledger
(``int_client_id_assignments``) and the matching build log are never rebuilt
(``full_refresh=false``), so client ids stay stable either way.

The dbt unit tests (static inputs for the costing and matching rules) check the
code, not the data, so a build leaves them out (dbt's
``--exclude-resource-type unit_test``, as dbt Labs advises for production
builds); ``unit_tests=True`` (``costcalc build --unit-tests``) runs them too,
before the models they test. ``make test`` runs them on every engine
(docs/warehouse.md, "Unit tests").
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from costcalc.paths import WAREHOUSE_ENV, environment, generated_dbt_dir
from costcalc.transform.registry import PROJECT_SUBDIR, assemble_project, write_generated

_DBT_LOCK = threading.Lock()  # dbt keeps process-global state: one invocation at a time


@dataclass
class BuildResult:
    """What a dbt invocation did, without any personal data."""

    success: bool
    counts: Counter = field(default_factory=Counter)  # status -> number of nodes
    failures: list[str] = field(default_factory=list)  # "<node>: <message>"
    error: str | None = None  # an error that stopped dbt before it ran nodes
    #: warnings the project raises for people (exceptions.warn, e.g. matching's skipped
    #: blocking values: docs/matching.md "Skew"); never personal values
    warnings: list[str] = field(default_factory=list)
    build_id: int | None = None  # raw.build_log (costcalc.transform.build_state)
    published: bool = False  # the marts were published (costcalc.transform.publish)
    notes: list[str] = field(default_factory=list)  # what was (not) published, and why
    unit_tests: int = 0  # dbt unit tests that ran (only with unit_tests=True)

    def failed_models(self) -> list[str]:
        return [f.split(":", 1)[0] for f in self.failures]

    def summary(self) -> str:
        if self.error and not self.counts:
            lines = [f"dbt failed: {self.error}" if not self.error.startswith("not published")
                     else f"build FAILED: {self.error}"]
        else:
            parts = [f"{n} {status}" for status, n in sorted(self.counts.items())]
            head = "build succeeded" if self.success else "build FAILED"
            unit = f" (unit tests: {self.unit_tests})" if self.unit_tests else ""
            lines = [f"{head}: {', '.join(parts) or 'nothing to do'}{unit}"]
            if self.error and self.counts:
                lines.append(f"  {self.error}")
        lines += [f"  {f}" for f in self.failures]
        lines += [f"  warning: {w}" for w in self.warnings]
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)


def prepare() -> Path:
    """Write the generated dbt inputs for the project directory and assemble the dbt project
    costcalc runs (``costcalc.transform.registry.assemble_project``); return its folder."""
    write_generated()
    return assemble_project()


def dbt_project_args(target_path: Path | None = None, extra_vars: dict | None = None) -> list[str]:
    """The arguments that point dbt at costcalc's project and profiles, with artefacts
    and logs under ``target_path`` (default: the project's ``.costcalc/dbt/target``), and
    the dbt vars that come from the project's settings (costcalc.yml
    ``disclosure.threshold`` -> ``disclosure_threshold``, docs/disclosure.md;
    ``matching.first_name_conflict`` -> ``match_first_name_conflict``, docs/matching.md), with
    ``extra_vars`` (a caller's own ``--vars``) over them."""
    import json

    from costcalc.settings import load_settings

    target_path = Path(target_path) if target_path is not None else generated_dbt_dir() / "target"
    project = generated_dbt_dir() / PROJECT_SUBDIR
    settings = load_settings()
    dbt_vars = {"disclosure_threshold": settings.disclosure.threshold,
                "match_first_name_conflict": settings.matching.first_name_conflict, **(extra_vars or {})}
    return ["--project-dir", str(project), "--profiles-dir", str(project),
            "--target-path", str(target_path), "--log-path", str(target_path / "logs"),
            "--vars", json.dumps(dbt_vars, sort_keys=True)]


def _split_vars(args: list[str]) -> tuple[list[str], dict]:
    """``args`` without a ``--vars`` option, and that option's vars (YAML), to merge with ours."""
    import yaml

    rest, given = [], {}
    it = iter(args)
    for a in it:
        if a == "--vars":
            given.update(yaml.safe_load(next(it, "")) or {})
        elif a.startswith("--vars="):
            given.update(yaml.safe_load(a.split("=", 1)[1]) or {})
        else:
            rest.append(a)
    return rest, given


def _failure_message(result) -> str:
    msg = (getattr(result, "message", None) or "").strip().splitlines()
    return msg[0] if msg else str(getattr(result, "status", ""))


def release_warehouse() -> None:
    """Close dbt-duckdb's cached DuckDB instance so the warehouse file is not
    left locked in this process after dbt returns (other processes, such as
    the loader, must be able to open it)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if env is not None:
            try:
                env.close()
            except Exception:  # noqa: BLE001 - closing is best effort; gc finishes it
                pass
    gc.collect()


def _check_warehouse(target: str, warehouse: Path, wait_seconds: float) -> str | None:
    """Open the warehouse of ``target`` once (waiting while another process holds a DuckDB
    file), bring its raw layer up to date (``ensure_raw``: missing tables and columns),
    and close it; return why it cannot be used, or None."""
    import duckdb

    from costcalc.warehouse.connection import WarehouseBusy, ensure_raw, open_warehouse
    from costcalc.warehouse.targets import EngineError, require_engine

    try:
        require_engine(target, for_build=True)
        con = open_warehouse(target, warehouse, wait_seconds=wait_seconds)
    except (EngineError, WarehouseBusy) as exc:
        return str(exc)
    except duckdb.Error as exc:
        return str(exc).strip().splitlines()[0]
    try:
        ensure_raw(con)
        if target == "duckdb":  # the restricted layer's own file (costcalc.warehouse.restricted_store)
            from costcalc.warehouse.restricted_store import RestrictedLocked, prepare_for_build

            try:
                prepare_for_build(con, warehouse)
            except RestrictedLocked as exc:
                return str(exc)
    finally:
        con.close()
    return None


def warehouse_problem(warehouse: Path, exc: BaseException) -> str:
    """Why the warehouse cannot be used, in one line (for an error opening it)."""
    if Path(warehouse).is_dir():
        return f"the warehouse path {warehouse} is a folder, not a DuckDB file"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def invoke_dbt(warehouse: Path, args: list[str], *, target_path: Path | None = None,
               quiet: bool = True, wait_seconds: float = 30.0) -> BuildResult:
    """Run one dbt command (e.g. ``["build", "--select", "marts"]``) on ``warehouse``, after
    writing the generated dbt inputs (``prepare()``: they are rewritten only when they change)."""
    from dbt.cli.main import dbtRunner

    warehouse = Path(warehouse).resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    flags = ["--quiet"] if quiet else []
    from costcalc.warehouse.targets import target_name

    target = target_name()
    problem = _check_warehouse(target, warehouse, wait_seconds)
    if problem:
        return BuildResult(success=False, error=problem)
    if target == "spark":
        from costcalc.warehouse.engines import spark_dir, spark_session

        os.environ["COSTCALC_SPARK_DIR"] = str(spark_dir())  # absolute, for dbt's profile
        spark_session()  # dbt-spark's session method reuses this process's session
    from costcalc.at_risk.rules import RulesError

    try:
        prepare()
    except RulesError as exc:  # the project's at-risk rule file (docs/at-risk.md): dbt does not run
        return BuildResult(success=False, error=str(exc))
    from costcalc.settings import SettingsError

    args, given_vars = _split_vars(list(args))
    try:
        cmd = [*flags, *args, *dbt_project_args(target_path, given_vars)]
    except SettingsError as exc:
        return BuildResult(success=False, error=str(exc))
    warnings: list[str] = []

    def on_event(event) -> None:  # --quiet hides warnings: keep the project's own
        if event.info.name == "JinjaLogWarning" and "costcalc" in event.data.msg:
            warnings.append(event.data.msg.strip())

    from costcalc.warehouse.restricted_store import PATH_ENV, private_files, restricted_path

    env = {WAREHOUSE_ENV: str(warehouse), PATH_ENV: str(restricted_path(warehouse))}
    # on DuckDB dbt writes the restricted file: its .wal must be private too
    private = private_files() if target == "duckdb" else contextlib.nullcontext()
    with _DBT_LOCK, environment(env), private:
        try:
            res = dbtRunner(callbacks=[on_event]).invoke(cmd)
        finally:
            release_warehouse()
    if isinstance(res.exception, KeyboardInterrupt):  # Ctrl-C or SIGTERM (costcalc.transform.publish)
        raise res.exception
    out = BuildResult(success=bool(res.success), warnings=warnings)
    if res.exception is not None:
        out.error = str(res.exception).strip().splitlines()[0] if str(res.exception).strip() else repr(res.exception)
    results = getattr(res.result, "results", None) or []
    for r in results:
        status = str(getattr(r.status, "value", r.status))
        node = getattr(r, "node", None)
        failed = status in ("error", "fail", "runtime error")
        if str(getattr(node, "resource_type", "")).endswith("operation") and not failed:
            continue  # the on-run-start hook
        out.counts[status] += 1
        if str(getattr(node, "resource_type", "")).endswith("unit_test"):
            out.unit_tests += 1
        if failed:
            name = getattr(node, "name", None) or getattr(node, "unique_id", "?")
            out.failures.append(f"{name}: {_failure_message(r)}")
    return out


def build(warehouse: Path, select: str | None = None, *, target_path: Path | None = None,
          full_refresh: bool = False, unit_tests: bool = False) -> BuildResult:
    """``dbt build`` (optionally ``--select``; ``full_refresh``: dbt's ``--full-refresh``, every
    incremental model rebuilt in full, the ledgers excepted; ``unit_tests``: run the dbt unit
    tests too, which a build otherwise leaves out)."""
    args = ["build"] + (["--full-refresh"] if full_refresh else [])
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    if select:
        # only tests whose every parent is selected (others may not be built yet)
        args += ["--select", *select.split(), "--indirect-selection", "cautious"]
    return invoke_dbt(warehouse, args, target_path=target_path)


def run_build(warehouse: Path, select: str | None = None, *, full_refresh: bool = False) -> bool:
    """Build the warehouse (or the selected models) and publish the marts
    (costcalc.transform.publish); True when every node succeeded and, for a
    whole build, the marts were published."""
    from costcalc.transform.publish import build_and_publish

    return build_and_publish(warehouse, select, full_refresh=full_refresh).success
