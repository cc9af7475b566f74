"""What the suppressed rpt_* marts must hold (docs/disclosure.md), checked against counts
worked out here from the facts (fct_service_use, dim_client), never from the marts' own
unsuppressed figures. ``query`` runs one SQL statement on the warehouse and returns its
rows (DuckDB or a server engine's connection)."""

from __future__ import annotations

from collections import defaultdict

TA, OTHER = "Ever in temporary accommodation", "All other clients"


def _line_ok(hidden_counts: list[list[int]], n_rows: int, threshold: int) -> bool:
    """A line with a published total: no row hidden, every row hidden, or at least two
    hidden covering at least ``threshold`` in each count column."""
    if not hidden_counts or len(hidden_counts) == n_rows:
        return True
    return len(hidden_counts) >= 2 and all(sum(col) >= threshold for col in zip(*hidden_counts))


def check_rpt_marts_suppress_small_numbers(query, threshold: int = 10) -> dict:
    """Assert the rules on the three aggregate marts; return how many rows each suppressed."""
    uses = query("select client_id, service, service_type from marts.fct_service_use")
    ta_clients = {c for (c,) in query("select client_id from marts.dim_client where ever_temporary_accommodation")}
    all_clients = {c for (c,) in query("select client_id from marts.dim_client")}
    users: dict[tuple, set] = defaultdict(set)
    for client, service, stype in uses:
        users[(service, stype)].add(client)

    # rpt_spend_by_service: one line (the rows add up to the total spend)
    rows = query("select service, service_type, client_count, record_count, total_cost, mean_cost_per_client,"
                 " is_suppressed from marts.rpt_spend_by_service")
    assert {(r[0], r[1]) for r in rows} == set(users)
    hidden_services = set()
    for service, stype, n, records, cost, mean, hidden in rows:
        exact = len(users[(service, stype)])
        if exact < threshold:
            assert hidden, (service, stype, exact)
        if hidden:
            hidden_services.add((service, stype))
            assert (n, records, cost, mean) == (None, None, None, None), (service, stype)
        else:
            assert n == exact and cost is not None, (service, stype, n, exact)
    assert _line_ok([[len(users[k])] for k in hidden_services], len(rows), threshold), hidden_services

    # rpt_client_breakdown: each breakdown's categories add up to all clients
    flags = {name: {c for (c,) in query(f"select client_id from marts.dim_client where {name}")}
             for name in ("ever_temporary_accommodation", "in_troubled_families", "housing_benefit_switch")}
    rows = query("select breakdown, category, client_count, total_cost, is_suppressed from marts.rpt_client_breakdown")
    by_breakdown: dict[str, list] = defaultdict(list)
    for breakdown, category, n, cost, hidden in rows:
        if breakdown in flags:
            members = flags[breakdown] if category == "yes" else all_clients - flags[breakdown]
            exact = len(members)
        else:
            exact = None  # age band and service count: checked through the marts' own rule below
        if exact is not None and 0 < exact < threshold:
            assert hidden, (breakdown, category, exact)
        if hidden:
            assert (n, cost) == (None, None), (breakdown, category)
        elif exact is not None:
            assert n == exact, (breakdown, category, n, exact)
        by_breakdown[breakdown].append((category, exact, hidden))
    for breakdown in flags:
        cats = by_breakdown[breakdown]
        assert _line_ok([[e] for _, e, h in cats if h], len(cats), threshold), (breakdown, cats)

    # rpt_ta_vs_population: a two-way table; a service is suppressed whole
    rows = query("select service, service_type, client_group, clients_in_group, users, total_cost, is_suppressed"
                 " from marts.rpt_ta_vs_population")
    per_service: dict[tuple, dict] = defaultdict(dict)
    sizes = {TA: len(ta_clients), OTHER: len(all_clients - ta_clients)}
    for service, stype, group, size, n, cost, hidden in rows:
        per_service[(service, stype)][group] = (size, n, cost, hidden)
        if min(sizes.values()) < threshold:
            assert size is None
        else:
            assert size == sizes[group]
    hidden_ta = set()
    for key, groups in per_service.items():
        marks = {g: v[3] for g, v in groups.items()}
        assert len(set(marks.values())) == 1, (key, marks)      # both groups or neither
        exact = {TA: len(users[key] & ta_clients), OTHER: len(users[key] - ta_clients)}
        small = any(0 < n < threshold for n in exact.values()) or min(sizes.values()) < threshold
        if small or key in hidden_services:
            assert all(marks.values()), (key, exact)
        if all(marks.values()):
            hidden_ta.add(key)
            assert all(v[1] is None and v[2] is None for v in groups.values()), key
        else:
            assert {g: v[1] for g, v in groups.items()} == exact, (key, exact)
    counts = [[len(users[k] & ta_clients), len(users[k] - ta_clients)] for k in hidden_ta]
    assert _line_ok(counts, len(per_service), threshold), hidden_ta
    assert hidden_services <= hidden_ta
    return {"rpt_spend_by_service": len(hidden_services), "rpt_ta_vs_population": len(hidden_ta),
            "services": len(per_service)}
