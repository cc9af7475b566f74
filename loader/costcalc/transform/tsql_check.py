"""Compile every dbt model for the SQL Server target without a SQL Server, and
check that the generated T-SQL parses (sqlglot, dialect ``tsql``).

``dbt compile`` needs a live connection even with ``--no-introspect`` and
``--no-populate-cache`` (dbt opens one per thread and runs its session set-up).
Here the pyodbc connection dbt-sqlserver would open is replaced by an offline
stand-in that answers every statement with no rows, so only the Jinja is
rendered: nothing is sent anywhere. Used by CI (tests/test_engine_sqlserver.py)
and by ``python -m costcalc.transform.tsql_check``.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from costcalc.paths import environment


class _OfflineCursor:
    description = None
    rowcount = -1

    def __init__(self, log: list[str]):
        self._log = log

    def execute(self, sql, *params):
        self._log.append(sql)
        return self

    def fetchall(self):
        return []

    def fetchone(self):
        return None

    def fetchmany(self, n=1):
        return []

    def nextset(self):
        return False

    def close(self):
        pass


class _OfflineConnection:
    autocommit = True

    def __init__(self, log: list[str]):
        self._log = log

    def cursor(self):
        return _OfflineCursor(self._log)

    def commit(self):
        pass

    def rollback(self):
        pass

    def close(self):
        pass


@contextmanager
def offline_sqlserver(log: list[str]):
    """Make dbt-sqlserver 'connect' to the offline stand-in."""
    from dbt.adapters.sqlserver import sqlserver_connections as mod

    original = mod._connect_pyodbc
    mod._connect_pyodbc = lambda *a, **k: _OfflineConnection(log)
    try:
        yield
    finally:
        mod._connect_pyodbc = original


@dataclass
class TsqlCheck:
    compiled: dict[str, str] = field(default_factory=dict)   # model name -> T-SQL
    errors: dict[str, str] = field(default_factory=dict)     # model name -> parse error
    dbt_error: str | None = None


def compile_sqlserver(target_path: Path, dbt_vars: dict | None = None) -> TsqlCheck:
    """``dbt compile --target sqlserver`` offline (with ``dbt_vars``, e.g.
    ``{"sqlserver_2025": True}``); then parse each model's T-SQL."""
    import sqlglot
    from dbt.cli.main import dbtRunner

    from costcalc.transform.build import dbt_project_args, prepare

    prepare()
    target_path = Path(target_path)
    log: list[str] = []
    env = {"COSTCALC_TARGET": "sqlserver", "COSTCALC_MSSQL_SERVER": os.environ.get("COSTCALC_MSSQL_SERVER", "offline"),
           "COSTCALC_MSSQL_USER": os.environ.get("COSTCALC_MSSQL_USER", "offline")}
    out = TsqlCheck()
    with environment(env), offline_sqlserver(log):
        res = dbtRunner().invoke([
            "--quiet", "--no-populate-cache", "compile", "--select", "resource_type:model",
            "--target", "sqlserver", "--threads", "1",
            *dbt_project_args(target_path, dbt_vars)])  # (one --vars: the project's and these merged)
    if not res.success:
        out.dbt_error = str(res.exception or [getattr(r, "message", "") for r in getattr(res.result, "results", [])
                                              if str(getattr(r, "status", "")) not in ("success", "RunStatus.Success")])
    for path in sorted((target_path / "compiled").rglob("*.sql")):
        if "/models/" not in path.as_posix():
            continue
        sql = path.read_text()
        out.compiled[path.stem] = sql
        try:
            sqlglot.parse(sql, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
        except sqlglot.errors.SqlglotError as exc:
            out.errors[path.stem] = str(exc).splitlines()[0]
    return out


def main() -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        check = compile_sqlserver(Path(tmp))
    if check.dbt_error:
        print(f"dbt compile failed: {check.dbt_error}")
    for name, err in check.errors.items():
        print(f"{name}: {err}")
    print(f"{len(check.compiled)} models compiled for SQL Server; {len(check.errors)} do not parse as T-SQL")
    return 1 if check.dbt_error or check.errors or not check.compiled else 0


if __name__ == "__main__":
    sys.exit(main())
