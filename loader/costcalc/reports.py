"""Reports for people without a BI tool: read the public marts, cost any day range.

Every report here reads ``marts.fct_service_use`` and costs each service-use
record for the exact days it overlaps the report period (docs/contract.md §3):

    cost = cost_per_day x days of overlap of [start_date, end_date] with [from, to]
           + one_off_cost, if start_date falls in [from, to]
           + cost_per_financial_year x the record's first days in a financial
             year (start_date, then each 1 April up to end_date) in [from, to]

both ends of both ranges included. Sums are unrounded; rounding to pence
happens only when a table is printed (``format_report``).

SQL safety: every SQL statement in this module is assembled only from the fixed
fragments written below. Whatever a user types (dates, service names, client
ids, memberships, needs, ages, limits) reaches DuckDB as a ``?`` parameter,
never as SQL text. Output carries opaque client ids only: the reports never
read the ``restricted`` schema.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from costcalc.safe_output import spreadsheet_row, terminal_text

#: Column kinds, for display (``format_report``).
TEXT, INT, MONEY, SHARE, DATE, DAYS = "text", "int", "money", "share", "date", "days"

#: How the client report may split the period (each a fixed SQL fragment).
GRANULARITIES = ("period", "year", "month")

#: The marts the reports read.
REQUIRED_TABLES = (
    ("marts", "fct_service_use"),
    ("marts", "dim_client"),
    ("marts", "fct_client_membership"),
)


class ReportError(Exception):
    """A report cannot be produced (no warehouse, no marts, bad filters, unknown client)."""


class ClientNotFound(ReportError):
    """The client id is not in ``marts.dim_client``."""


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers. Every field reaches SQL as a parameter."""

    date_from: date | None = None
    date_to: date | None = None
    # record filters (which service-use records are costed)
    service_types: tuple[str, ...] = ()
    exclude_service_types: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    exclude_services: tuple[str, ...] = ()
    # client-pool filters (which clients are reported on)
    with_memberships: tuple[str, ...] = ()
    without_memberships: tuple[str, ...] = ()
    ever_temporary_accommodation: bool | None = None
    in_troubled_families: bool | None = None
    housing_benefit_switch: bool | None = None
    min_age: int | None = None
    max_age: int | None = None
    needs: tuple[str, ...] = ()

    def describe(self) -> dict:
        """The filters that are set, for report headers and JSON output."""
        out = {}
        for key, value in asdict(self).items():
            if key in ("date_from", "date_to") or value in (None, (), []):
                continue
            out[key] = list(value) if isinstance(value, (tuple, list)) else value
        return out


def membership_key(text: str) -> str:
    """Memberships match ignoring case, spaces, underscores and punctuation:
    ``Temporary Accommodation``, ``temporary_accommodation`` and
    ``TEMPORARY-ACCOMMODATION`` are the same."""
    return re.sub(r"[^a-z0-9]+", "", str(text).lower())


def _text_key(text: str) -> str:
    """Service, service type and need values match case-insensitively, ignoring outer spaces."""
    return str(text).strip().lower()


class _Query:
    """SQL text built from fixed fragments, with its ``?`` parameters alongside."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.params: list = []

    def add(self, fragment: str, *params) -> "_Query":
        if fragment.count("?") != len(params):
            raise AssertionError("fragment and parameters disagree")  # a programming error
        self.sql.append(fragment)
        self.params.extend(params)
        return self

    def text(self) -> str:
        return "\n".join(self.sql)


# Fixed fragments: the client pool, on marts.dim_client aliased c.
_POOL_MIN_AGE = "  AND c.age >= ?"
_POOL_MAX_AGE = "  AND c.age <= ?"
_POOL_FLAG = {
    "ever_temporary_accommodation": "  AND coalesce(CAST(c.ever_temporary_accommodation AS BOOLEAN), false) = ?",
    "in_troubled_families": "  AND coalesce(CAST(c.in_troubled_families AS BOOLEAN), false) = ?",
    "housing_benefit_switch": "  AND coalesce(CAST(c.housing_benefit_switch AS BOOLEAN), false) = ?",
}
_POOL_WITH = (
    "  AND EXISTS (SELECT 1 FROM marts.fct_client_membership fm WHERE fm.client_id = c.client_id"
    " AND (regexp_replace(lower(fm.membership), '[^a-z0-9]+', '', 'g') = ? OR lower(fm.schema_code) = ?))"
)
_POOL_WITHOUT = (
    "  AND NOT EXISTS (SELECT 1 FROM marts.fct_client_membership fm WHERE fm.client_id = c.client_id"
    " AND (regexp_replace(lower(fm.membership), '[^a-z0-9]+', '', 'g') = ? OR lower(fm.schema_code) = ?))"
)
# A need matches in full, or as the category before a colon
# ("Physical Support" matches "Physical Support: Personal Care Support").
_POOL_NEED = (
    "  AND EXISTS (SELECT 1 FROM marts.fct_service_use fn WHERE fn.client_id = c.client_id"
    " AND (list_contains(CAST(? AS VARCHAR[]), lower(trim(fn.need)))"
    " OR list_contains(CAST(? AS VARCHAR[]), lower(trim(split_part(fn.need, ':', 1))))))"
)

# Fixed fragments: service-use records, on marts.fct_service_use aliased s.
_REC_SERVICE_TYPE = "  AND list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service_type)))"
_REC_NOT_SERVICE_TYPE = "  AND NOT coalesce(list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service_type))), false)"
_REC_SERVICE = "  AND list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service)))"
_REC_NOT_SERVICE = "  AND NOT coalesce(list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service))), false)"
_REC_CLIENT = "  AND s.client_id = ?"

# The period buckets: one per report period, or one per calendar month/year inside it.
_BUCKETS = {
    "period": "buckets AS (SELECT p.d_from AS b_from, p.d_to AS b_to FROM p)",
    "month": (
        "buckets AS (SELECT greatest(CAST(g.m AS DATE), p.d_from) AS b_from,"
        " least(CAST(g.m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE), p.d_to) AS b_to"
        " FROM p, (SELECT unnest(generate_series(CAST(date_trunc('month', p.d_from) AS TIMESTAMP),"
        " CAST(p.d_to AS TIMESTAMP), INTERVAL 1 MONTH)) AS m FROM p) g)"
    ),
    "year": (
        "buckets AS (SELECT greatest(CAST(g.m AS DATE), p.d_from) AS b_from,"
        " least(CAST(g.m + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE), p.d_to) AS b_to"
        " FROM p, (SELECT unnest(generate_series(CAST(date_trunc('year', p.d_from) AS TIMESTAMP),"
        " CAST(p.d_to AS TIMESTAMP), INTERVAL 1 YEAR)) AS m FROM p) g)"
    ),
}

# Costing (docs/contract.md §3). A record with no end date runs to the bucket's end.
_COSTED = """costed AS (
  SELECT s.service_use_id, s.client_id, s.service, s.service_type, b.b_from, b.b_to,
         CAST(date_diff('day', greatest(s.start_date, b.b_from),
                        least(coalesce(s.end_date, b.b_to), b.b_to)) + 1 AS BIGINT) AS days,
         coalesce(CAST(s.cost_per_day AS DOUBLE), 0)
           * (date_diff('day', greatest(s.start_date, b.b_from), least(coalesce(s.end_date, b.b_to), b.b_to)) + 1)
         + CASE WHEN s.one_off_cost IS NOT NULL AND s.start_date BETWEEN b.b_from AND b.b_to
                THEN CAST(s.one_off_cost AS DOUBLE) ELSE 0 END
         + coalesce(CAST(s.cost_per_financial_year AS DOUBLE), 0)
           * CASE WHEN s.start_date >= b.b_from
                  THEN year(least(coalesce(s.end_date, b.b_to), b.b_to) - INTERVAL 3 MONTH)
                       - year(s.start_date - INTERVAL 3 MONTH) + 1
                  ELSE year(least(coalesce(s.end_date, b.b_to), b.b_to) - INTERVAL 3 MONTH)
                       - year(b.b_from - INTERVAL 1 DAY - INTERVAL 3 MONTH) END AS cost
  FROM marts.fct_service_use s
  JOIN buckets b ON s.start_date <= b.b_to AND coalesce(s.end_date, b.b_to) >= b.b_from
  WHERE s.client_id IN (SELECT client_id FROM pool)"""


def _pool_fragments(q: _Query, f: ReportFilters) -> None:
    q.add("pool AS (SELECT c.client_id, c.age_band, c.ever_temporary_accommodation AS is_ta")
    q.add("  FROM marts.dim_client c WHERE true")
    if f.min_age is not None:
        q.add(_POOL_MIN_AGE, int(f.min_age))
    if f.max_age is not None:
        q.add(_POOL_MAX_AGE, int(f.max_age))
    for name, fragment in _POOL_FLAG.items():
        value = getattr(f, name)
        if value is not None:
            q.add(fragment, bool(value))
    for m in f.with_memberships:
        q.add(_POOL_WITH, membership_key(m), _text_key(m))
    for m in f.without_memberships:
        q.add(_POOL_WITHOUT, membership_key(m), _text_key(m))
    if f.needs:
        keys = [_text_key(n) for n in f.needs]
        q.add(_POOL_NEED, keys, keys)
    q.add(")")


def _record_fragments(q: _Query, f: ReportFilters, client_id: str | None = None) -> None:
    if f.service_types:
        q.add(_REC_SERVICE_TYPE, [_text_key(v) for v in f.service_types])
    if f.exclude_service_types:
        q.add(_REC_NOT_SERVICE_TYPE, [_text_key(v) for v in f.exclude_service_types])
    if f.services:
        q.add(_REC_SERVICE, [_text_key(v) for v in f.services])
    if f.exclude_services:
        q.add(_REC_NOT_SERVICE, [_text_key(v) for v in f.exclude_services])
    if client_id is not None:
        q.add(_REC_CLIENT, client_id)


def _base_query(f: ReportFilters, period: tuple[date, date], granularity: str = "period",
                client_id: str | None = None) -> _Query:
    """``WITH p, pool, buckets, costed AS (...)``; the caller appends the final SELECT."""
    if granularity not in _BUCKETS:
        raise ReportError(f"granularity must be one of {', '.join(GRANULARITIES)}")
    q = _Query()
    q.add("WITH p AS (SELECT CAST(? AS DATE) AS d_from, CAST(? AS DATE) AS d_to),", period[0], period[1])
    _pool_fragments(q, f)
    q.add(",")
    q.add(_BUCKETS[granularity] + ",")
    q.add(_COSTED)
    _record_fragments(q, f, client_id)
    q.add(")")
    return q


# --------------------------------------------------------------------------- results


@dataclass
class Report:
    """A report's rows plus what they cover. ``frame`` holds unrounded costs."""

    name: str
    title: str
    period_from: date
    period_to: date
    filters: ReportFilters
    frame: pd.DataFrame
    kinds: dict[str, str]
    notes: list[str] = field(default_factory=list)
    total_label_column: str | None = None  # where a printed total row puts "Total"

    @property
    def rows(self) -> list[dict]:
        return [{k: _plain(v) for k, v in r.items()} for r in self.frame.to_dict(orient="records")]


def _plain(value):
    """numpy/pandas scalars -> plain Python (NaN/NaT -> None)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


# --------------------------------------------------------------------------- connection


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


# --------------------------------------------------------------------------- reports


def top_clients(con: duckdb.DuckDBPyConnection, filters: ReportFilters | None = None, limit: int = 20) -> Report:
    """The clients costing most in the period, most expensive first."""
    f = filters or ReportFilters()
    if limit < 1:
        raise ReportError("--limit must be at least 1")
    period = resolve_period(con, f)
    q = _base_query(f, period)
    q.add("""SELECT row_number() OVER (ORDER BY sum(k.cost) DESC, k.client_id) AS rank,
       k.client_id, pool.age_band,
       count(DISTINCT k.service) AS services,
       count(DISTINCT k.service_use_id) AS records,
       sum(k.cost) AS cost
FROM costed k JOIN pool USING (client_id)
GROUP BY k.client_id, pool.age_band
ORDER BY cost DESC, k.client_id
LIMIT ?""", int(limit))
    frame = _frame(con, q)
    return Report(
        name="top-clients", title=f"Top {limit} clients by cost", period_from=period[0], period_to=period[1],
        filters=f, frame=frame,
        kinds={"rank": INT, "client_id": TEXT, "age_band": TEXT, "services": INT, "records": INT, "cost": MONEY},
    )


def client_breakdown(con: duckdb.DuckDBPyConnection, client_id: str, filters: ReportFilters | None = None,
                     by: str = "period") -> Report:
    """One client's cost by service, service type and period (the whole period, or per year/month)."""
    f = filters or ReportFilters()
    client_id = str(client_id).strip()
    known = con.execute("SELECT age_band FROM marts.dim_client WHERE client_id = ?", [client_id]).fetchone()
    if known is None:
        raise ClientNotFound(f"No client {client_id!r} in marts.dim_client.")
    period = resolve_period(con, f)
    q = _base_query(f, period, granularity=by, client_id=client_id)
    q.add("""SELECT k.b_from AS period_from, k.b_to AS period_to, k.service, k.service_type,
       count(DISTINCT k.service_use_id) AS records,
       CAST(sum(k.days) AS BIGINT) AS days,
       sum(k.cost) AS cost
FROM costed k
GROUP BY ALL
ORDER BY k.b_from, k.service, k.service_type""")
    frame = _frame(con, q)
    in_pool = con.execute(
        _pool_only_sql(f).text() + "\nSELECT count(*) FROM pool WHERE client_id = ?",
        _pool_only_sql(f).params + [client_id],
    ).fetchone()[0]
    notes = [f"Client {client_id}, age band {known[0] if known[0] is not None else 'unknown'}."]
    if not in_pool:
        notes.append("This client is outside the selected client pool (see the filters), so nothing is costed.")
    elif frame.empty:
        notes.append("No service use in the period for this client (with these filters).")
    return Report(
        name="client", title=f"Cost breakdown for client {client_id}", period_from=period[0], period_to=period[1],
        filters=f, frame=frame, notes=notes, total_label_column="service",
        kinds={"period_from": DATE, "period_to": DATE, "service": TEXT, "service_type": TEXT,
               "records": INT, "days": DAYS, "cost": MONEY},
    )


def _pool_only_sql(f: ReportFilters) -> _Query:
    q = _Query()
    q.add("WITH")
    _pool_fragments(q, f)
    return q


def services(con: duckdb.DuckDBPyConnection, filters: ReportFilters | None = None) -> Report:
    """Spend by service and service type in the period."""
    f = filters or ReportFilters()
    period = resolve_period(con, f)
    q = _base_query(f, period)
    q.add("""SELECT k.service, k.service_type,
       count(DISTINCT k.client_id) AS clients,
       count(DISTINCT k.service_use_id) AS records,
       CAST(sum(k.days) AS BIGINT) AS days,
       sum(k.cost) AS cost,
       sum(k.cost) / count(DISTINCT k.client_id) AS mean_per_client,
       sum(k.cost) / nullif(sum(sum(k.cost)) OVER (), 0) AS share_of_cost
FROM costed k
GROUP BY k.service, k.service_type
ORDER BY k.service, cost DESC, k.service_type""")
    frame = _frame(con, q)
    return Report(
        name="services", title="Spend by service and service type", period_from=period[0], period_to=period[1],
        filters=f, frame=frame, total_label_column="service",
        kinds={"service": TEXT, "service_type": TEXT, "clients": INT, "records": INT, "days": DAYS,
               "cost": MONEY, "mean_per_client": MONEY, "share_of_cost": SHARE},
    )


ALL_SERVICES = "(all services)"


def _ta_query(f: ReportFilters, period: tuple[date, date]) -> _Query:
    """The CTEs of the TA comparison, up to ``sizes`` and ``stats``; the caller adds the SELECT."""
    q = _base_query(f, period)
    q.add(""", active AS (
  SELECT DISTINCT s.client_id FROM marts.fct_service_use s, p
  WHERE s.client_id IN (SELECT client_id FROM pool)
    AND s.start_date <= p.d_to AND coalesce(s.end_date, p.d_to) >= p.d_from
), grp AS (
  SELECT a.client_id, coalesce(CAST(pool.is_ta AS BOOLEAN), false) AS is_ta
  FROM active a JOIN pool USING (client_id)
), sizes AS (
  SELECT count(*) FILTER (WHERE is_ta) AS n_ta, count(*) FILTER (WHERE NOT is_ta) AS n_other FROM grp
), per_client AS (
  SELECT client_id, service, service_type, sum(cost) AS cost FROM costed GROUP BY ALL
  UNION ALL
  SELECT client_id, ? AS service, ? AS service_type, sum(cost) AS cost FROM costed GROUP BY client_id
), stats AS (
  SELECT pc.service, pc.service_type,
         count(*) FILTER (WHERE g.is_ta) AS ta_users,
         avg(pc.cost) FILTER (WHERE g.is_ta) AS ta_mean,
         median(pc.cost) FILTER (WHERE g.is_ta) AS ta_median,
         count(*) FILTER (WHERE NOT g.is_ta) AS other_users,
         avg(pc.cost) FILTER (WHERE NOT g.is_ta) AS other_mean,
         median(pc.cost) FILTER (WHERE NOT g.is_ta) AS other_median
  FROM per_client pc JOIN grp g USING (client_id)
  GROUP BY pc.service, pc.service_type
)""", ALL_SERVICES, ALL_SERVICES)
    return q


def ta_comparison(con: duckdb.DuckDBPyConnection, filters: ReportFilters | None = None) -> Report:
    """Clients ever in temporary accommodation versus all other clients, per service type.

    The two groups are the clients in the pool with any service use in the
    period (before the service / service-type filters), split on
    ``dim_client.ever_temporary_accommodation``. For each service type: how
    many in each group used it in the period, that as a share of the group, and
    the mean and median cost per user.
    """
    f = filters or ReportFilters()
    period = resolve_period(con, f)
    q = _ta_query(f, period)
    q.add("""SELECT st.service, st.service_type,
       sz.n_ta AS ta_clients, st.ta_users, st.ta_users / nullif(sz.n_ta, 0) AS ta_share,
       st.ta_mean, st.ta_median,
       sz.n_other AS other_clients, st.other_users, st.other_users / nullif(sz.n_other, 0) AS other_share,
       st.other_mean, st.other_median
FROM stats st, sizes sz
ORDER BY (st.service = ?), st.service, st.service_type""", ALL_SERVICES)
    frame = _frame(con, q)
    sizes = _ta_query(f, period).add("SELECT n_ta, n_other FROM sizes")
    n_ta, n_other = con.execute(sizes.text(), sizes.params).fetchone()
    notes = [
        f"{n_ta:,} clients ever in temporary accommodation and {n_other:,} other clients "
        "had service use in the period (the groups the shares are of).",
        "Mean and median are per user: over the clients who used that service type in the period.",
    ]
    return Report(
        name="ta-comparison", title="Clients ever in temporary accommodation versus all others",
        period_from=period[0], period_to=period[1], filters=f, frame=frame, notes=notes,
        kinds={"service": TEXT, "service_type": TEXT,
               "ta_clients": INT, "ta_users": INT, "ta_share": SHARE, "ta_mean": MONEY, "ta_median": MONEY,
               "other_clients": INT, "other_users": INT, "other_share": SHARE,
               "other_mean": MONEY, "other_median": MONEY},
    )


def _listing(con: duckdb.DuckDBPyConnection, name: str, title: str, sql: str, kinds: dict) -> Report:
    """A fixed query listing the values a filter accepts, as a report over all time."""
    frame = con.execute(sql).df()
    lo_hi = resolve_period(con, ReportFilters())
    return Report(name=name, title=title, period_from=lo_hi[0], period_to=lo_hi[1],
                  filters=ReportFilters(), frame=frame, kinds=kinds)


def memberships(con: duckdb.DuckDBPyConnection) -> Report:
    """The values ``--with`` / ``--without`` accept, with how many clients have each."""
    return _listing(
        con, "memberships", "Client-pool memberships (for --with / --without)",
        "SELECT membership, schema_code, count(DISTINCT client_id) AS clients"
        " FROM marts.fct_client_membership GROUP BY ALL ORDER BY membership, schema_code",
        {"membership": TEXT, "schema_code": TEXT, "clients": INT})


def needs(con: duckdb.DuckDBPyConnection) -> Report:
    """The values ``--need`` accepts (primary support reasons), with how many clients have each."""
    return _listing(
        con, "needs", "Primary support reasons (for --need)",
        "SELECT need, count(DISTINCT client_id) AS clients FROM marts.fct_service_use"
        " WHERE need IS NOT NULL GROUP BY need ORDER BY need",
        {"need": TEXT, "clients": INT})


# --------------------------------------------------------------------------- output

FORMATS = ("table", "csv", "json")


def format_money(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    v = float(value)
    text = f"£{abs(v):,.2f}"
    return f"-{text}" if v < 0 and text != "£0.00" else text


def _cell(value, kind: str) -> str:
    value = _plain(value)
    if value is None:
        return "-"
    if kind == MONEY:
        return format_money(value)
    if kind in (INT, DAYS):
        return f"{int(value):,}"
    if kind == SHARE:
        return f"{float(value) * 100:.1f}%"
    if kind == DATE:
        return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else str(value)
    return str(value)


def _header(report: Report) -> list[str]:
    lines = [report.title]
    if report.name not in ("memberships", "needs"):
        lines.append(f"Period: {report.period_from:%d/%m/%Y} to {report.period_to:%d/%m/%Y} (both days included)")
    described = report.filters.describe()
    if described:
        lines.append("Filters: " + "; ".join(
            f"{k.replace('_', ' ')} = {', '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in described.items()))
    return lines


def format_table(report: Report) -> str:
    cols = list(report.frame.columns)
    # Text from providers' files (service types, ...) may hold ESC sequences: stripped.
    body = [[terminal_text(_cell(r[c], report.kinds.get(c, TEXT)), one_line=True) for c in cols]
            for r in report.rows]
    if report.total_label_column and body:
        total = []
        for c in cols:
            kind = report.kinds.get(c, TEXT)
            if c == report.total_label_column:
                total.append("Total")
            elif c == "cost" or (kind == DAYS):
                total.append(_cell(report.frame[c].sum(), kind))
            else:
                total.append("")
        body.append(None)  # separator
        body.append(total)
    headers = [c.replace("_", " ") for c in cols]
    widths = [len(h) for h in headers]
    for row in body:
        if row:
            widths = [max(w, len(x)) for w, x in zip(widths, row)]
    numeric = [report.kinds.get(c, TEXT) in (INT, MONEY, SHARE, DAYS) for c in cols]

    def line(cells):
        return "  ".join(x.rjust(w) if n else x.ljust(w) for x, w, n in zip(cells, widths, numeric)).rstrip()

    out = _header(report) + [""]
    if not body:
        out.append("No rows: nothing matches this period and these filters.")
    else:
        out.append(line(headers))
        out.append("  ".join("-" * w for w in widths))
        for row in body:
            out.append("  ".join("-" * w for w in widths) if row is None else line(row))
    if report.notes:
        out.append("")
        out.extend(report.notes)
    return terminal_text("\n".join(out)) + "\n"


def _json_value(value):
    value = _plain(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def format_csv(report: Report) -> str:
    """Plain rows with a header; costs unrounded (machine-readable)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = list(report.frame.columns)
    # Cells a spreadsheet would run as formulas (=HYPERLINK(...), @SUM(...), +1+1 in a
    # provider's service type) get a leading apostrophe; numbers stay numbers.
    w.writerow(spreadsheet_row(cols))
    for r in report.rows:
        w.writerow(spreadsheet_row([_json_value(r[c]) for c in cols]))
    return buf.getvalue()


def format_json(report: Report) -> str:
    """An object with the report, period, filters and rows; costs unrounded."""
    doc = {
        "report": report.name,
        "period": {"from": report.period_from.isoformat(), "to": report.period_to.isoformat()},
        "filters": report.filters.describe(),
        "rows": [{k: _json_value(v) for k, v in r.items()} for r in report.rows],
        "notes": report.notes,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def format_report(report: Report, fmt: str = "table") -> str:
    if fmt == "table":
        return format_table(report)
    if fmt == "csv":
        return format_csv(report)
    if fmt == "json":
        return format_json(report)
    raise ReportError(f"format must be one of {', '.join(FORMATS)}")
