"""Run dbt: build the warehouse's staging, intermediate, marts and restricted
models from the raw layer.

``run_build(warehouse)`` is what other modules call; ``costcalc build`` (see
``costcalc.commands.build``) is the command. Both refresh the generated schema
registry first (``costcalc.transform.registry``), then run ``dbt build`` in-process
with the project and profiles in ``dbt_project/`` and ``COSTCALC_WAREHOUSE``
set to the warehouse file.

There is deliberately no full refresh: the client-id ledger
(``int_client_id_assignments``) is never rebuilt, so client ids stay stable.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from costcalc.transform.registry import write_generated
from costcalc.paths import DBT_PROJECT_DIR, WAREHOUSE_ENV

_DBT_LOCK = threading.Lock()  # dbt keeps process-global state: one invocation at a time


@dataclass
class BuildResult:
    """What a dbt invocation did, without any personal data."""

    success: bool
    counts: Counter = field(default_factory=Counter)  # status -> number of nodes
    failures: list[str] = field(default_factory=list)  # "<node>: <message>"
    error: str | None = None  # an error that stopped dbt before it ran nodes

    def summary(self) -> str:
        if self.error and not self.counts:
            return f"dbt failed: {self.error}"
        parts = [f"{n} {status}" for status, n in sorted(self.counts.items())]
        head = "build succeeded" if self.success else "build FAILED"
        lines = [f"{head}: {', '.join(parts) or 'nothing to do'}"]
        lines += [f"  {f}" for f in self.failures]
        return "\n".join(lines)


@contextmanager
def _env(name: str, value: str):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _failure_message(result) -> str:
    msg = (getattr(result, "message", None) or "").strip().splitlines()
    return msg[0] if msg else str(getattr(result, "status", ""))


def _release_warehouse() -> None:
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
    finally:
        con.close()
    return None


def invoke_dbt(warehouse: Path, args: list[str], *, target_path: Path | None = None,
               quiet: bool = True, wait_seconds: float = 30.0) -> BuildResult:
    """Run one dbt command (e.g. ``["build", "--select", "marts"]``) on ``warehouse``."""
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
    cmd = [*flags, *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    if target_path is not None:
        # dbt's artefacts and logs go there instead of the shared dbt_project/ folder
        cmd += ["--target-path", str(target_path), "--log-path", str(Path(target_path) / "logs")]
    with _DBT_LOCK, _env(WAREHOUSE_ENV, str(warehouse)):
        try:
            res = dbtRunner().invoke(cmd)
        finally:
            _release_warehouse()
    out = BuildResult(success=bool(res.success))
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
        if failed:
            name = getattr(node, "name", None) or getattr(node, "unique_id", "?")
            out.failures.append(f"{name}: {_failure_message(r)}")
    return out


def build(warehouse: Path, select: str | None = None, *, target_path: Path | None = None,
          regenerate: bool = True) -> BuildResult:
    """Refresh the generated registry files, then ``dbt build`` (optionally ``--select``)."""
    if regenerate:
        write_generated()
    args = ["build"]
    if select:
        # only tests whose every parent is selected (others may not be built yet)
        args += ["--select", *select.split(), "--indirect-selection", "cautious"]
    return invoke_dbt(warehouse, args, target_path=target_path)


def run_build(warehouse: Path, select: str | None = None) -> bool:
    """Build the warehouse (or the selected models); True when every node succeeded."""
    return build(warehouse, select).success
