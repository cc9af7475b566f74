"""The spend_above (and service_used) conditions of the at-risk rules against an independent
count, on DuckDB and PostgreSQL: CSV files -> load_file -> `dbt build` -> every hit of
intermediate.int_at_risk_condition_hits equals what Python works out from marts.fct_cost_monthly,
the evaluation dates, the conditions and the service-use records (docs/at-risk.md).

int_at_risk_condition_hits sums each client's cost per month (and per service, for a condition
naming one) before it adds up each window's months, and skips the distinct over spend_above's rows
(docs/scale.md). The borough is made where that could go wrong: a condition with a service and one
without, spend split across several records and services of one client (two records of one
service in one month), sums exactly at the amount (not over it), months at both edges of a window,
a window that starts on 29 February, an ongoing record, and costs before any window. Daily and
one-off costs keep every sum exact (whole pounds), so "exactly at the amount" is exact.

Rules (latest extract 31/12/2024, backtest 12 month ends: 31/12/2023 .. 31/12/2024):
- Spend: cost over 1,000 in the last 3 months (any service).
- Drugs spend: used substance misuse and cost over 600 for it in the last 2 months (the service
  written with other case and spaces in each condition).

- Ann: substance misuse 01/03-31/05 at 10 a day and 01/05-31/07 at 5, general 01/04-30/06 at 10,
  adult social care in June: spread over three services and four records.
- Bob: one-offs of 700 (general, 15/06) and 300 (substance misuse, 20/07): exactly 1,000 in the
  windows holding June and July, never over it.
- Cat: general in January and March 2024 at 20 a day: 1,240 only in the window Jan-Mar (as at
  31/03), where they are its first and last months.
- Dan: two substance misuse records in September (300 + 330: over 600 only together) and general in
  October; Drugs spend rests on the two substance misuse records only.
- Eve: ongoing substance misuse since 2022 at 1 a day and a one-off of 5,000 in 2022: never over.
- Fay: substance misuse one-off of 600 on 01/11/2024: exactly at the amount of Drugs spend.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb
import pytest
from dateutil.relativedelta import relativedelta

from costcalc.transform.publish import published_path
from test_at_risk import ASC_HEAD, GS_HEAD, built_borough, restricted_rows
from test_at_risk import PEOPLE as AT_RISK_PEOPLE

RULES = """\
backtest: {months: 12, follow_up_months: 3}
rules:
  - name: Spend
    description: Cost over 1,000 pounds in the last 3 months.
    when: {kind: spend_above, amount: 1000, within_months: 3}
  - name: Drugs spend
    description: Used substance misuse services and cost over 600 pounds for them in the last 2 months.
    when:
      all:
        - {kind: service_used, service: "  SUBSTANCE misuse ", within_months: 2}
        - {kind: spend_above, amount: 600, service: " substance MISUSE", within_months: 2}
"""

#: firstname, surname, dob, postcode: five of test_at_risk's people, and Fay
PEOPLE = {**{who: AT_RISK_PEOPLE[who] for who in ("ann", "bob", "cat", "dan", "eve")},
          "fay": ("Fay", "Fenton", "09/09/1991", "TW9 6LN")}
LATEST = date(2024, 12, 31)


def _gs(ref, who, start, end, cost, frequency):
    first, last, dob, pc = PEOPLE[who]
    return [ref, pc, first, last, dob, start, end, cost, frequency, "Support"]


def _asc(ref, who, start, end, cost, frequency):
    first, last, dob, pc = PEOPLE[who]
    return [ref, pc, first, last, dob, start, end, cost, frequency, "Home care", f"L-{ref}"]


#: file name -> (schema, file type, extract date, rows)
FILES = {
    "drugs.csv": ("GS00", "substance_misuse", LATEST, [
        GS_HEAD,
        _gs("S-A1", "ann", "01/03/2024", "31/05/2024", "10", "Daily"),
        _gs("S-A2", "ann", "01/05/2024", "31/07/2024", "5", "Daily"),
        _gs("S-B1", "bob", "20/07/2024", "", "300", "One-off"),
        _gs("S-D1", "dan", "01/09/2024", "30/09/2024", "10", "Daily"),
        _gs("S-D2", "dan", "01/09/2024", "30/09/2024", "11", "Daily"),
        _gs("S-E1", "eve", "01/01/2022", "", "1", "Daily"),
        _gs("S-E2", "eve", "15/06/2022", "", "5000", "One-off"),
        _gs("S-F1", "fay", "01/11/2024", "", "600", "One-off"),
    ]),
    "general.csv": ("GS00", "general_service", LATEST, [
        GS_HEAD,
        _gs("G-A1", "ann", "01/04/2024", "30/06/2024", "10", "Daily"),
        _gs("G-B1", "bob", "15/06/2024", "", "700", "One-off"),
        _gs("G-C1", "cat", "01/01/2024", "31/01/2024", "20", "Daily"),
        _gs("G-C2", "cat", "01/03/2024", "31/03/2024", "20", "Daily"),
        _gs("G-D1", "dan", "01/10/2024", "31/10/2024", "30", "Daily"),
    ]),
    "asc.csv": ("ASC01", "adult_social_care", LATEST, [
        ASC_HEAD,
        _asc("A-A1", "ann", "01/06/2024", "30/06/2024", "2", "Daily"),
    ]),
}


def _rows(engine, wh, sql, *, marts=False):
    """Rows of ``sql`` on the engine's warehouse (DuckDB's marts: the published file)."""
    if engine.name == "duckdb" and marts:
        con = duckdb.connect(str(published_path(wh)), read_only=True)
    else:
        con = engine.open(wh)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _day(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _key(text):
    return None if text is None else text.strip().lower()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def borough(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"at_risk_spend_{request.param}")
    with built_borough(request.param, root, RULES, FILES) as (engine, _project, wh):
        ids = dict(restricted_rows(engine, wh, "SELECT reference, client_id FROM restricted.identity_records"))
        clients = {who: ids[f"{ref}"] for who, ref in (("ann", "S-A1"), ("bob", "G-B1"), ("cat", "G-C1"),
                                                      ("dan", "S-D1"), ("eve", "S-E1"), ("fay", "S-F1"))}
        assert len(set(clients.values())) == len(clients)  # one client per person
        yield engine, wh, clients


def expected_hits(engine, wh):
    """The hits of the spend_above and service_used conditions, worked out in Python from
    fct_cost_monthly and int_at_risk_service_use (docs/at-risk.md): a window is the calendar
    months after as-at minus within_months, up to the as-at date; spend_above holds when the
    client's cost in it (of the service, if named) is over the amount, and rests on the
    client's records (of that service) that started by the as-at date and ran into the window."""
    costs = _rows(engine, wh, "SELECT client_id, service, month, cost FROM marts.fct_cost_monthly", marts=True)
    dates = [_day(r[0]) for r in _rows(engine, wh, "SELECT as_at_date FROM intermediate.int_at_risk_dates")]
    conditions = _rows(engine, wh, "SELECT condition_id, rule_id, kind, within_months, service, amount "
                                   "FROM intermediate.int_at_risk_conditions")
    uses = _rows(engine, wh, "SELECT client_id, record_key, service, start_date, end_date "
                             "FROM intermediate.int_at_risk_service_use")
    hits, sums = set(), {}
    for condition_id, rule_id, kind, within, service, amount in conditions:
        for as_at in dates:
            start = as_at - relativedelta(months=within)
            records = [(client, key) for client, key, svc, first, last in uses
                       if _day(first) <= as_at and _day(last) > start and (service is None or _key(svc) == _key(service))]
            if kind == "service_used":
                hits |= {(condition_id, rule_id, as_at, client, key) for client, key in records}
                continue
            assert kind == "spend_above"
            spend = defaultdict(float)
            for client, svc, month, cost in costs:
                if start < _day(month) <= as_at and (service is None or _key(svc) == _key(service)):
                    spend[client] += cost
            for client, total in spend.items():
                sums[(condition_id, as_at, client)] = total
            over = {client for client, total in spend.items() if total > float(amount)}
            hits |= {(condition_id, rule_id, as_at, client, key) for client, key in records if client in over}
    return hits, sums


def model_hits(engine, wh):
    rows = _rows(engine, wh, "SELECT condition_id, rule_id, as_at_date, client_id, record_key "
                             "FROM intermediate.int_at_risk_condition_hits")
    return [(r[0], r[1], _day(r[2]), r[3], r[4]) for r in rows]


def test_every_hit_equals_the_count_from_the_monthly_costs(borough):
    engine, wh, _ = borough
    got = model_hits(engine, wh)
    assert len(got) == len(set(got))  # no row twice (the model has no distinct over spend_above's rows)
    want, _ = expected_hits(engine, wh)
    assert want and set(got) == want


def test_the_borough_holds_the_edges_it_is_meant_to(borough):
    """The independent count above is only as good as the cases it sees: check them by hand."""
    engine, wh, c = borough
    _, sums = expected_hits(engine, wh)
    conditions = {r[0]: r[1] for r in _rows(engine, wh, "SELECT rule_id, condition_id, kind "
                                                        "FROM intermediate.int_at_risk_conditions "
                                                        "WHERE kind = 'spend_above'")}
    spend, drugs = conditions[1], conditions[2]
    got = model_hits(engine, wh)
    by = defaultdict(set)
    for condition_id, _, as_at, client, key in got:
        by[(condition_id, client)].add(as_at)
    # exactly at the amount: not over it
    assert sums[(spend, date(2024, 7, 31), c["bob"])] == 1000.0 and not by[(spend, c["bob"])]
    assert sums[(drugs, LATEST, c["fay"])] == 600.0 and not by[(drugs, c["fay"])]
    # first and last month of a window, nothing either side
    assert by[(spend, c["cat"])] == {date(2024, 3, 31)}
    # spread over services and records; the window of 31/05 starts on 29/02
    assert sums[(spend, date(2024, 5, 31), c["ann"])] == 920 + 155 + 610
    assert date(2024, 5, 31) in by[(spend, c["ann"])]
    # two records of one service in one month, and only that service's records for Drugs spend
    assert sums[(drugs, date(2024, 9, 30), c["dan"])] == 630.0
    dan_drugs = {(as_at, key) for cid, _, as_at, client, key in got if cid == drugs and client == c["dan"]}
    assert {as_at for as_at, _ in dan_drugs} == {date(2024, 9, 30), date(2024, 10, 31)}
    dan_spend_keys = {key for cid, _, as_at, client, key in got
                      if cid == spend and client == c["dan"] and as_at == date(2024, 10, 31)}
    assert len(dan_spend_keys) == 3 and len({key for _, key in dan_drugs}) == 2
    # costs before every window and an ongoing record never add up to a hit
    assert not by[(spend, c["eve"])] and not by[(drugs, c["eve"])]
