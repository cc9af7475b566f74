"""The reports: each a query over the public marts, costed for the exact days of the period."""

from __future__ import annotations

from datetime import date

import duckdb

from costcalc.reports import disclosure
from costcalc.reports.connection import _frame, resolve_period
from costcalc.reports.filters import ReportFilters, _base_query, _pool_fragments, _Query, bucket_label
from costcalc.reports.errors import ClientNotFound, ReportError
from costcalc.reports.results import DATE, DAYS, INT, MONEY, SHARE, TEXT, Report


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
    return disclosure.label_individual(Report(
        name="top-clients", title=f"Top {limit} clients by cost", period_from=period[0], period_to=period[1],
        filters=f, frame=frame,
        kinds={"rank": INT, "client_id": TEXT, "age_band": TEXT, "services": INT, "records": INT, "cost": MONEY},
    ))


def _client_query(con, client_id: str, filters: ReportFilters | None, by: str):
    """What both client reports start from: the filters, the client id (checked to be in
    marts.dim_client; ``known`` is its row), the period, and the costed query of its records."""
    f = filters or ReportFilters()
    client_id = str(client_id).strip()
    known = con.execute("SELECT age_band FROM marts.dim_client WHERE client_id = ?", [client_id]).fetchone()
    if known is None:
        raise ClientNotFound(f"No client {client_id!r} in marts.dim_client.")
    period = resolve_period(con, f)
    return f, client_id, known, period, _base_query(f, period, granularity=by, client_id=client_id)


def client_breakdown(con: duckdb.DuckDBPyConnection, client_id: str, filters: ReportFilters | None = None,
                     by: str = "period") -> Report:
    """One client's cost by service, service type and period (the whole period, or per year/month)."""
    f, client_id, known, period, q = _client_query(con, client_id, filters, by)
    q.add("""SELECT k.b_from AS period_from, k.b_to AS period_to, k.service, k.service_type,
       count(DISTINCT k.service_use_id) AS records,
       CAST(sum(k.days) AS BIGINT) AS days,
       sum(k.cost) AS cost
FROM costed k
GROUP BY ALL
ORDER BY k.b_from, k.service, k.service_type""")
    frame = _frame(con, q)
    notes = _client_notes(con, client_id, known[0], f, period, frame.empty)
    return disclosure.label_individual(Report(
        name="client", title=f"Cost breakdown for client {client_id}", period_from=period[0], period_to=period[1],
        filters=f, frame=frame, notes=notes, total_label_column="service",
        kinds={"period_from": DATE, "period_to": DATE, "service": TEXT, "service_type": TEXT,
               "records": INT, "days": DAYS, "cost": MONEY},
    ))


def _pool_only_sql(f: ReportFilters, period: tuple[date, date]) -> _Query:
    q = _Query()
    q.add("WITH p AS (SELECT CAST(? AS DATE) AS d_from, CAST(? AS DATE) AS d_to),", period[0], period[1])
    _pool_fragments(q, f)
    return q


def _client_notes(con, client_id: str, age_band, f: ReportFilters, period: tuple[date, date],
                  empty: bool) -> list[str]:
    """The client report's notes: the age band, and why nothing is costed when nothing is."""
    pool = _pool_only_sql(f, period).add("SELECT count(*) FROM pool WHERE client_id = ?", client_id)
    in_pool = con.execute(pool.text(), pool.params).fetchone()[0]
    notes = [f"Client {client_id}, age band {age_band if age_band is not None else 'unknown'}."]
    if not in_pool:
        notes.append("This client is outside the selected client pool (see the filters), so nothing is costed.")
    elif empty:
        notes.append("No service use in the period for this client (with these filters).")
    return notes


def client_records(con: duckdb.DuckDBPyConnection, client_id: str, filters: ReportFilters | None = None,
                   by: str = "period") -> Report:
    """One client's service-use records, one row per record (and per year/month/... with
    ``by``): service, type, need, start, end, unit cost, frequency, days and cost in the period."""
    f, client_id, known, period, q = _client_query(con, client_id, filters, by)
    q.add("""SELECT k.b_from AS period_from, k.b_to AS period_to, k.service_use_id, k.service, k.service_type,
       s.need, s.start_date, s.end_date, s.unit_cost, s.frequency,
       k.days, k.cost
FROM costed k JOIN marts.fct_service_use s ON s.service_use_id = k.service_use_id
ORDER BY k.b_from, s.start_date, k.service, k.service_type, k.service_use_id""")
    frame = _frame(con, q)
    return disclosure.label_individual(Report(
        name="client-records", title=f"Service-use records of client {client_id}",
        period_from=period[0], period_to=period[1], filters=f, frame=frame,
        notes=_client_notes(con, client_id, known[0], f, period, frame.empty), total_label_column="service",
        kinds={"period_from": DATE, "period_to": DATE, "service_use_id": TEXT, "service": TEXT,
               "service_type": TEXT, "need": TEXT, "start_date": DATE, "end_date": DATE,
               "unit_cost": MONEY, "frequency": TEXT, "days": DAYS, "cost": MONEY},
    ))


#: ``report services --by supplier``: the service types split by supplier instead of by period.
BY_SUPPLIER = "supplier"


def services(con: duckdb.DuckDBPyConnection, filters: ReportFilters | None = None, by: str = "period", *,
             exact: bool = False) -> Report:
    """Spend by service and service type in the period (or in each month, quarter, year or
    financial year of it, with ``by``; or per supplier, ``by="supplier"``: costcalc.reports.suppliers);
    small numbers suppressed unless ``exact``."""
    f = filters or ReportFilters()
    if by == BY_SUPPLIER:
        from costcalc.reports.suppliers import services_by_supplier

        return services_by_supplier(con, f, exact=exact)
    if by != "period":
        return services_by(con, f, by, exact=exact)
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
    return disclosure.protect(Report(
        name="services", title="Spend by service and service type", period_from=period[0], period_to=period[1],
        filters=f, frame=frame, total_label_column="service",
        kinds={"service": TEXT, "service_type": TEXT, "clients": INT, "records": INT, "days": DAYS,
               "cost": MONEY, "mean_per_client": MONEY, "share_of_cost": SHARE},
    ), disclosure.SERVICES, exact=exact)


def services_by(con: duckdb.DuckDBPyConnection, f: ReportFilters, by: str, *, exact: bool = False) -> Report:
    """Spend by service and service type in each bucket (month, quarter, year, financial
    year) of the period; a bucket cut by the period's ends covers only its days in it.
    ``share_of_cost`` is of the bucket's cost; the buckets' costs add up to the period's."""
    period = resolve_period(con, f)
    q = _base_query(f, period, granularity=by)
    q.add("""SELECT k.b_from AS period_from, k.b_to AS period_to, k.service, k.service_type,
       count(DISTINCT k.client_id) AS clients,
       count(DISTINCT k.service_use_id) AS records,
       CAST(sum(k.days) AS BIGINT) AS days,
       sum(k.cost) AS cost,
       sum(k.cost) / count(DISTINCT k.client_id) AS mean_per_client,
       sum(k.cost) / nullif(sum(sum(k.cost)) OVER (PARTITION BY k.b_from), 0) AS share_of_cost
FROM costed k
GROUP BY k.b_from, k.b_to, k.service, k.service_type
ORDER BY k.b_from, k.service, cost DESC, k.service_type""")
    frame = _frame(con, q)
    frame.insert(0, "period", [bucket_label(by, _day(d)) for d in frame["period_from"]])
    return disclosure.protect(Report(
        name="services", title=f"Spend by service and service type, by {by.replace('-', ' ')}",
        period_from=period[0], period_to=period[1], filters=f, frame=frame, total_label_column="service",
        kinds={"period": TEXT, "period_from": DATE, "period_to": DATE, "service": TEXT, "service_type": TEXT,
               "clients": INT, "records": INT, "days": DAYS, "cost": MONEY, "mean_per_client": MONEY,
               "share_of_cost": SHARE},
    ), disclosure.SERVICES, exact=exact)


def _day(value) -> date:
    """A bucket's first day as a date, whatever the engine's driver returned."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def unmapped_types(con: duckdb.DuckDBPyConnection) -> Report:
    """Service types with no label in seeds/service_type_labels.csv: file type, the type
    as the files give it, and how many records (no personal data)."""
    rep = _listing(
        con, "unmapped-types", "Service types without a label (add them to seeds/service_type_labels.csv)",
        "SELECT file_type, service_type_raw AS raw_service_type, count(*) AS records"
        " FROM marts.fct_service_use WHERE service_category IS NULL AND service_type_raw IS NOT NULL"
        " GROUP BY file_type, service_type_raw ORDER BY file_type, service_type_raw",
        {"file_type": TEXT, "raw_service_type": TEXT, "records": INT}, rule=None)
    if rep.frame.empty:
        rep.notes.append("Every service type in the marts has a label.")
    return rep


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


def ta_comparison(con: duckdb.DuckDBPyConnection, filters: ReportFilters | None = None, *,
                  exact: bool = False) -> Report:
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
    t = disclosure.configured_threshold()
    notes = [
        f"{disclosure.count_text(n_ta, t, exact)} clients ever in temporary accommodation and "
        f"{disclosure.count_text(n_other, t, exact)} other clients "
        "had service use in the period (the groups the shares are of).",
        "Mean and median are per user: over the clients who used that service type in the period.",
    ]
    return disclosure.protect(Report(
        name="ta-comparison", title="Clients ever in temporary accommodation versus all others",
        period_from=period[0], period_to=period[1], filters=f, frame=frame, notes=notes,
        kinds={"service": TEXT, "service_type": TEXT,
               "ta_clients": INT, "ta_users": INT, "ta_share": SHARE, "ta_mean": MONEY, "ta_median": MONEY,
               "other_clients": INT, "other_users": INT, "other_share": SHARE,
               "other_mean": MONEY, "other_median": MONEY},
    ), disclosure.ta_rule(ALL_SERVICES), exact=exact, threshold=t)


def _listing(con: duckdb.DuckDBPyConnection, name: str, title: str, sql: str, kinds: dict,
             exact: bool = False, rule: "disclosure.Rule | None" = disclosure.LISTING) -> Report:
    """A fixed query listing the values a filter accepts, as a report over all time
    (``rule``: how its counts of people are protected; None for a listing that counts no one)."""
    frame = con.execute(sql).df()
    lo_hi = resolve_period(con, ReportFilters())
    report = Report(name=name, title=title, period_from=lo_hi[0], period_to=lo_hi[1],
                    filters=ReportFilters(), frame=frame, kinds=kinds)
    return report if rule is None else disclosure.protect(report, rule, exact=exact)


def memberships(con: duckdb.DuckDBPyConnection, *, exact: bool = False) -> Report:
    """The values ``--with`` / ``--without`` accept, with how many clients have each."""
    return _listing(
        con, "memberships", "Client-pool memberships (for --with / --without)",
        "SELECT membership, schema_code, count(DISTINCT client_id) AS clients"
        " FROM marts.fct_client_membership GROUP BY ALL ORDER BY membership, schema_code",
        {"membership": TEXT, "schema_code": TEXT, "clients": INT}, exact)


def needs(con: duckdb.DuckDBPyConnection, *, exact: bool = False) -> Report:
    """The values ``--need`` accepts (primary support reasons), with how many clients have each."""
    return _listing(
        con, "needs", "Primary support reasons (for --need)",
        "SELECT need, count(DISTINCT client_id) AS clients FROM marts.fct_service_use"
        " WHERE need IS NOT NULL GROUP BY need ORDER BY need",
        {"need": TEXT, "clients": INT}, exact)
