"""The log of ``costcalc report --exact`` runs: ``audit.exact_report_log``.

Exact figures (small numbers not suppressed, docs/disclosure.md) are for an
internal analyst. Every ``--exact`` run writes one row here (who, when, which
report, its period and filters), committed before the report is printed: a
run that cannot be logged prints nothing. Declared like ``audit.lookup_log``
(costcalc.lookup): the ``audit`` schema, a sequence and the table, created when
missing by whoever runs first (or by ``costcalc setup-roles``). Every value
reaches the database as a ``?`` parameter.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

AUDIT_DDL = (
    "CREATE SCHEMA IF NOT EXISTS audit",
    "CREATE SEQUENCE IF NOT EXISTS audit.exact_report_log_seq START 1",
    """CREATE TABLE IF NOT EXISTS audit.exact_report_log (
        log_id BIGINT PRIMARY KEY DEFAULT nextval('audit.exact_report_log_seq'),
        run_at TIMESTAMP NOT NULL,
        run_by VARCHAR NOT NULL,
        report VARCHAR NOT NULL,
        period_from DATE,
        period_to DATE,
        filters VARCHAR NOT NULL
    )""",
)
_INSERT = """INSERT INTO audit.exact_report_log (run_at, run_by, report, period_from, period_to, filters)
VALUES (?, ?, ?, ?, ?, ?) RETURNING log_id"""


class ExactLogFailed(Exception):
    """The --exact run could not be logged (so it is not shown)."""


def ensure_exact_log(con) -> None:
    for ddl in AUDIT_DDL:
        con.execute(ddl)


def log_exact_run(warehouse: str | Path, report: str, period_from: date | None, period_to: date | None,
                  filters: dict) -> tuple[int, str]:
    """Write one ``audit.exact_report_log`` row in its own committed transaction in the
    restricted layer's audit (on DuckDB the restricted file beside the warehouse, with
    the other audit logs: costcalc.warehouse.restricted_store; on a server the ``audit``
    schema); return (log id, the audited user)."""
    from costcalc.lookup import audited_user
    from costcalc.warehouse import restricted_store as store
    from costcalc.warehouse.connection import WarehouseBusy, WarehouseMissing, transaction
    from costcalc.warehouse.targets import EngineError, is_server

    path = Path(warehouse)
    if not is_server() and not path.exists():
        raise ExactLogFailed(f"No warehouse at {path} to log the --exact run in.")
    try:
        with store.restricted_connection(path, wait_seconds=5) as con:
            ensure_exact_log(con)
            who = audited_user(con)
            at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
            text = json.dumps(filters, sort_keys=True, ensure_ascii=False, default=str)
            with transaction(con):
                log_id = con.execute(_INSERT, [at, who, report, period_from, period_to, text]).fetchone()[0]
    except (EngineError, WarehouseMissing, store.RestrictedMissing) as exc:
        raise ExactLogFailed(str(exc)) from None
    except (WarehouseBusy, store.RestrictedLocked, duckdb.Error) as exc:
        raise ExactLogFailed(f"Cannot open the audit log of {path.name} to log the --exact run: it is in use "
                             "(a build running?) or locked. Try again when it has finished.") from exc
    except Exception as exc:  # noqa: BLE001 - e.g. no INSERT right on a server: refuse, never show unlogged
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ExactLogFailed(f"The --exact run could not be logged ({first}); nothing is shown.") from exc
    return int(log_id), who
