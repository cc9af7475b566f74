"""Opening the warehouse (or its published snapshot) for reading, and the report period."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from costcalc.reports.filters import ReportFilters, _Query
from costcalc.reports.errors import ReportError

#: The marts the reports read.
REQUIRED_TABLES = (
    ("marts", "fct_service_use"),
    ("marts", "dim_client"),
    ("marts", "fct_client_membership"),
)



def connect(warehouse: str | Path | None = None, *, target: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse of ``target`` (default: $COSTCALC_TARGET),
    checked to hold the marts: reports never write. On a server engine
    (costcalc.warehouse.engines) the same statements run there, translated, with every
    value still a bound parameter."""
    from costcalc.paths import warehouse_path
    from costcalc.warehouse.connection import WarehouseBusy, WarehouseMissing, open_warehouse
    from costcalc.warehouse.targets import EngineError

    try:
        con = open_warehouse(target, warehouse, read_only=True, wait_seconds=0)
    except (EngineError, WarehouseMissing) as exc:
        raise ReportError(str(exc)) from None
    except WarehouseBusy:
        raise ReportError(f"Cannot open the warehouse {warehouse_path(warehouse).name}: it is in use (a load or build "
                          "running?). Try again when it has finished.") from None
    try:
        check_marts(con)
    except BaseException:
        con.close()
        raise
    return con


def connect_published(warehouse: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published marts of ``warehouse`` (the last
    build that succeeded, costcalc.transform.publish): what ``costcalc report``
    reads, so a load or build running meanwhile neither blocks it nor shows it
    half a build. On a server engine the published schema is ``marts`` itself."""
    from costcalc.transform.publish import published_path
    from costcalc.warehouse.targets import is_server

    if is_server():
        return connect(warehouse)
    path = published_path(warehouse)
    if not path.exists():
        if not Path(warehouse).exists():
            raise ReportError(f"No warehouse at {warehouse}. Load files and run `costcalc build` first.")
        raise ReportError(f"Nothing has been published from the warehouse {Path(warehouse).name} yet: run "
                          "`costcalc build` (reports read the last build that succeeded; `costcalc status` "
                          "says why none has).")
    return connect(path)


def check_marts(con: duckdb.DuckDBPyConnection) -> None:
    have = {
        (s, t)
        for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = ?", ["marts"]
        ).fetchall()
    }
    missing = [f"{s}.{t}" for s, t in REQUIRED_TABLES if (s, t) not in have]
    if missing:
        raise ReportError(f"The warehouse has no {', '.join(missing)}: run `costcalc build` first.")


def _frame(con, q: _Query) -> pd.DataFrame:
    return con.execute(q.text(), q.params).df()


def resolve_period(con: duckdb.DuckDBPyConnection, f: ReportFilters) -> tuple[date, date]:
    """The report period: --from/--to, each defaulting to the earliest start / latest end in the data."""
    lo, hi = con.execute(
        "SELECT min(start_date), max(coalesce(end_date, start_date)) FROM marts.fct_service_use"
    ).fetchone()
    d_from = f.date_from or lo
    d_to = f.date_to or hi
    if d_from is None or d_to is None:
        today = date.today()
        d_from, d_to = d_from or d_to or today, d_to or d_from or today
    if d_from > d_to:
        raise ReportError(f"The period starts ({d_from:%d/%m/%Y}) after it ends ({d_to:%d/%m/%Y}).")
    return d_from, d_to
