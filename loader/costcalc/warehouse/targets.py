"""Which warehouse engine a command works on: DuckDB (the default) or a server.

Kept apart from :mod:`costcalc.warehouse.engines`, which needs sqlglot and a
driver to talk to server engines: choosing DuckDB, as nearly every load does,
needs neither, and the base package (no extras) has neither.
"""

from __future__ import annotations

import importlib
import os

TARGET_ENV = "COSTCALC_TARGET"
TARGETS = ("duckdb", "postgres", "sqlserver", "spark")

#: The optional extra (pyproject.toml) holding every server engine's packages.
ENGINES_EXTRA = "engines"
#: What the loader, reports and lookup need to talk to each server engine.
ENGINE_MODULES = {
    "postgres": ("sqlglot", "psycopg2"),
    "sqlserver": ("sqlglot", "pyodbc"),
    "spark": ("sqlglot", "pyspark"),
}
#: The dbt adapter `costcalc build` needs for each server engine.
ADAPTER_MODULES = {
    "postgres": "dbt.adapters.postgres",
    "sqlserver": "dbt.adapters.sqlserver",
    "spark": "dbt.adapters.spark",
}


class EngineError(RuntimeError):
    """The engine is not configured, not installed or not reachable."""


def target_name(explicit: str | None = None) -> str:
    """The selected engine: the explicit name, else $COSTCALC_TARGET, else duckdb."""
    name = (explicit or os.environ.get(TARGET_ENV) or "duckdb").strip().lower()
    if name not in TARGETS:
        raise EngineError(f"unknown target {name!r} (known: {', '.join(TARGETS)})")
    return name


def is_server(target: str | None = None) -> bool:
    return target_name(target) != "duckdb"


def missing_extra(target: str, module: str) -> EngineError:
    """The error for a server engine whose optional package is not installed."""
    return EngineError(f"the {target} engine needs the optional package {module.split('.')[0]!r}, "
                       f"which is not installed: pip install 'costcalc[{ENGINES_EXTRA}]'")


def require_engine(target: str, *, for_build: bool = False) -> None:
    """Import what a server engine needs (and, ``for_build``, its dbt adapter), or raise
    :class:`EngineError` naming the extra to install. DuckDB needs nothing beyond the base package."""
    name = target_name(target)
    modules = list(ENGINE_MODULES.get(name, ()))
    if for_build and name in ADAPTER_MODULES:
        modules.append(ADAPTER_MODULES[name])
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            if exc.name is not None and module != exc.name and not module.startswith(exc.name + "."):
                raise  # the package is there but broken: show the real error
            raise missing_extra(name, module) from None
