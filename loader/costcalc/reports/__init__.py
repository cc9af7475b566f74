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
fragments written in this package. Whatever a user types (dates, service names, client
ids, memberships, needs, ages, limits) reaches DuckDB as a ``?`` parameter,
never as SQL text. Output carries opaque client ids only: the reports never
read the ``restricted`` schema.

The package: ``filters`` (what a report covers, and its fixed SQL fragments),
``connection`` (opening the published marts), ``queries`` (the reports),
``results`` (a report's rows), ``output`` (table, CSV, JSON), ``errors``.
"""

from costcalc.reports.connection import REQUIRED_TABLES, check_marts, connect, connect_published, resolve_period
from costcalc.reports.filters import GRANULARITIES, ReportFilters, bucket_label, membership_key
from costcalc.reports.output import FORMATS, format_csv, format_json, format_money, format_report, format_table
from costcalc.reports.queries import (
    ALL_SERVICES,
    BY_SUPPLIER,
    client_breakdown,
    client_records,
    memberships,
    needs,
    services,
    ta_comparison,
    top_clients,
    unmapped_types,
)
from costcalc.reports.errors import ClientNotFound, ReportError
from costcalc.reports.results import DATE, DAYS, INT, MONEY, SHARE, TEXT, Report

__all__ = [
    "ALL_SERVICES", "FORMATS", "GRANULARITIES", "REQUIRED_TABLES", "ClientNotFound", "Report", "ReportError",
    "ReportFilters", "check_marts", "client_breakdown", "connect", "connect_published", "format_csv",
    "format_json", "format_money", "format_report", "format_table", "membership_key", "bucket_label",
    "memberships", "needs",
    "resolve_period", "services", "ta_comparison", "top_clients", "client_records", "unmapped_types",
    "DATE", "DAYS", "INT", "MONEY", "SHARE", "TEXT",
]
