"""What a report covers (``ReportFilters``) and the fixed SQL fragments that select it.

Every value a user types reaches SQL as a ``?`` parameter of a fixed fragment
written here, never as SQL text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date

from costcalc.reports.errors import ReportError
from costcalc.reports.household_filters import household_pool_fragments

#: How the client and services reports may split the period (each a fixed SQL fragment).
GRANULARITIES = ("period", "year", "month", "quarter", "financial-year")


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
    # "all of" client-pool filters: clients who used every one of these service types in
    # the period (any overlap), and clients who have every one of these needs
    all_service_types: tuple[str, ...] = ()
    all_needs: tuple[str, ...] = ()
    # household filters of the client pool (costcalc.reports.household_filters)
    household_with_children: bool | None = None
    household_size_min: int | None = None
    household_size_max: int | None = None

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

# "All of" pool fragments: one EXISTS per chosen value. A service type matches its
# label (service_type) or the type as the file gave it (service_type_raw); "used in
# the period" is any overlap of the record with the period p.
_POOL_ALL_SERVICE_TYPE = (
    "  AND EXISTS (SELECT 1 FROM marts.fct_service_use fa, p WHERE fa.client_id = c.client_id"
    " AND (lower(trim(fa.service_type)) = ? OR lower(trim(fa.service_type_raw)) = ?)"
    " AND fa.start_date <= p.d_to AND coalesce(fa.end_date, p.d_to) >= p.d_from)"
)
_POOL_ALL_NEED = (
    "  AND EXISTS (SELECT 1 FROM marts.fct_service_use fn WHERE fn.client_id = c.client_id"
    " AND (lower(trim(fn.need)) = ? OR lower(trim(split_part(fn.need, ':', 1))) = ?))"
)

# Fixed fragments: service-use records, on marts.fct_service_use aliased s. A service
# type matches its label or the type as the file gave it.
_REC_SERVICE_TYPE = ("  AND (list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service_type)))"
                     " OR list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service_type_raw))))")
_REC_NOT_SERVICE_TYPE = ("  AND NOT coalesce(list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service_type)))"
                         " OR list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service_type_raw))), false)")
_REC_SERVICE = "  AND list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service)))"
_REC_NOT_SERVICE = "  AND NOT coalesce(list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service))), false)"
_REC_CLIENT = "  AND s.client_id = ?"

# The period buckets: one per report period, or one per month/quarter/calendar year/
# financial year inside it (cut at the period's ends). generate_series in FROM (not
# unnest(generate_series(...)) in a select list, which PostgreSQL refuses) runs on both.
def _series_buckets(first: str, step: str) -> str:
    """A fixed buckets fragment: from the bucket holding ``first`` on, every ``step``."""
    return ("buckets AS (SELECT greatest(CAST(g.m AS DATE), p.d_from) AS b_from,"
            f" least(CAST(g.m + INTERVAL {step} - INTERVAL 1 DAY AS DATE), p.d_to) AS b_to"
            f" FROM p, generate_series(CAST({first} AS TIMESTAMP), CAST(p.d_to AS TIMESTAMP),"
            f" INTERVAL {step}) AS g(m))")


_BUCKETS = {
    "period": "buckets AS (SELECT p.d_from AS b_from, p.d_to AS b_to FROM p)",
    "month": _series_buckets("date_trunc('month', p.d_from)", "1 MONTH"),
    "year": _series_buckets("date_trunc('year', p.d_from)", "1 YEAR"),
    "quarter": _series_buckets("date_trunc('quarter', p.d_from)", "3 MONTH"),
    # financial years, 1 April to 31 March: from the 1 April on or before the period's start
    "financial-year": _series_buckets("date_trunc('year', p.d_from - INTERVAL 3 MONTH) + INTERVAL 3 MONTH",
                                      "1 YEAR"),
}


def bucket_label(by: str, first_day: date) -> str:
    """The name of the bucket holding ``first_day``: 2024-01, 2024 Q1, 2024, or 2024-25
    (the financial year 1 April 2024 - 31 March 2025)."""
    if by == "month":
        return f"{first_day:%Y-%m}"
    if by == "quarter":
        return f"{first_day.year} Q{(first_day.month - 1) // 3 + 1}"
    if by == "year":
        return str(first_day.year)
    if by == "financial-year":
        start = first_day.year if first_day.month >= 4 else first_day.year - 1
        return f"{start}-{(start + 1) % 100:02d}"
    return "period"

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
    _pool_all_of(q, f)
    household_pool_fragments(q, f)
    q.add(")")


def _pool_all_of(q: _Query, f: ReportFilters) -> None:
    """"All of the services" / "all of the needs": one fixed fragment per chosen value."""
    for value in dict.fromkeys(_text_key(v) for v in f.all_service_types):
        q.add(_POOL_ALL_SERVICE_TYPE, value, value)
    for value in dict.fromkeys(_text_key(v) for v in f.all_needs):
        q.add(_POOL_ALL_NEED, value, value)


def _record_fragments(q: _Query, f: ReportFilters, client_id: str | None = None) -> None:
    if f.service_types:
        keys = [_text_key(v) for v in f.service_types]
        q.add(_REC_SERVICE_TYPE, keys, keys)
    if f.exclude_service_types:
        keys = [_text_key(v) for v in f.exclude_service_types]
        q.add(_REC_NOT_SERVICE_TYPE, keys, keys)
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
