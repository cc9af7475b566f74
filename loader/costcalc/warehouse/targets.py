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
