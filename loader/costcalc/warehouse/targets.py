"""Which warehouse engine a command works on: DuckDB (the default) or a server.

Kept apart from :mod:`costcalc.warehouse.engines`, which imports sqlglot and pandas to talk
to server engines: choosing DuckDB, as nearly every load does, needs neither.
"""

from __future__ import annotations

import os

TARGET_ENV = "COSTCALC_TARGET"
TARGETS = ("duckdb", "postgres", "sqlserver", "spark")


class EngineError(RuntimeError):
    """The engine is not configured or not reachable."""


def target_name(explicit: str | None = None) -> str:
    """The selected engine: the explicit name, else $COSTCALC_TARGET, else duckdb."""
    name = (explicit or os.environ.get(TARGET_ENV) or "duckdb").strip().lower()
    if name not in TARGETS:
        raise EngineError(f"unknown target {name!r} (known: {', '.join(TARGETS)})")
    return name


def is_server(target: str | None = None) -> bool:
    return target_name(target) != "duckdb"


#: The modules each engine needs beyond the base package, all from the ``engines`` extra.
ENGINE_MODULES = {
    "duckdb": (),
    "postgres": ("sqlglot", "psycopg2", "dbt.adapters.postgres"),
    "sqlserver": ("sqlglot", "pyodbc", "dbt.adapters.sqlserver"),
    "spark": ("sqlglot", "pyspark", "dbt.adapters.spark"),
}
ENGINES_EXTRA = "costcalc[engines]"


def require_engine(target: str | None = None) -> str:
    """The selected engine's name, once its packages are known to be installed; else
    EngineError naming the extra to install."""
    import importlib.util

    name = target_name(target)
    missing = []
    for module in ENGINE_MODULES[name]:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # a missing parent package (dbt.adapters.x)
            found = False
        if not found:
            missing.append(module.split(".")[0] if not module.startswith("dbt.") else module)
    if missing:
        raise EngineError(f"the {name} engine needs packages that are not installed ({', '.join(missing)}): "
                          f"pip install '{ENGINES_EXTRA}'")
    return name
