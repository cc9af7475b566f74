"""``costcalc match explain RECORD RECORD``: why two records are, or are not, one person.

Everything shown comes from the last build and from the build's own SQL
(costcalc.matching.comparison): each field's level and weight, the score
against the threshold, a conflict, a manual decision (applied by the last
build, or recorded since and waiting for the next), whether the blocking rules
ever brought the two records together, and, when they are one client without
having been compared, the chain of links that joins them.
"""

from __future__ import annotations

import csv
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from costcalc.commands.match import DECISIONS_NAME, RecordRef, parse_ref
from costcalc.lookup import _text, record_label
from costcalc.matching import access
from costcalc.matching.comparison import compare, compile_comparison
from costcalc.paths import project_seeds_dir

#: What each field prefix of int_match_pairs' *_level columns stands for (others show as they are).
FIELD_NAMES = {"nhs": "NHS number", "ni": "NI number", "sn": "surname", "fn": "first name",
               "dob": "date of birth", "pc": "postcode", "addr": "address"}
#: What a rule of int_match_pairs / restricted.match_links means, in words.
RULE_TEXT = {
    "nhs_number_conflict": "two different valid NHS numbers: never the same person",
    "ni_number_conflict": "two different valid NI numbers: never the same person",
    "first_name_conflict": "different first names and no shared NHS or NI number: kept apart (twins, siblings)",
    "below_threshold": "the score is below the threshold: not linked",
    "nhs_number": "linked, with the same valid NHS number",
    "ni_number": "linked, with the same valid NI number",
    "weighted_score": "linked on names, date of birth, postcode and address",
}
#: restricted.identity_records columns shown for each record (those present).
DETAIL_COLUMNS = ("client_id", "surname", "firstname", "dob", "postcode", "address", "nhs_number", "ni_number",
                  "reference")


class ExplainRefused(access.MatchAccessRefused):
    """A reference that names no record, or both references naming one record."""


@dataclass
class Explanation:
    at: datetime
    by: str
    request: access.Request
    labels: tuple[str, str]
    records: pd.DataFrame                     # the two restricted.identity_records rows (A first)
    same_profile: bool                        # identical matching details
    same_cluster: bool
    compared: bool                            # the last build compared them (int_match_pairs)
    blocking: list[tuple[str, bool]]          # blocking rules the two share: (name, left out for skew)
    comparison: dict | None                   # the model's row for the pair (levels, score, rule, ...)
    fields: list[tuple[str, str, float]]      # (field, level, weight)
    threshold: float | None
    decision: dict | None                     # applied by the last build (int_match_decisions)
    pending: list[dict] = field(default_factory=list)  # recorded since the last build (seeds file)
    path: list[tuple[str, str, float | None]] = field(default_factory=list)  # (record label, rule, score)


def _resolve(con, ref: RecordRef, catalog) -> str:
    """The record key a reference names (``ExplainRefused`` when none)."""
    if ref.record_key:
        n = con.execute("select count(*) from restricted.identity_records where record_key = ?",
                        [ref.record_key]).fetchone()[0]
        if not n:
            raise ExplainRefused(f"No such record: {ref.label()}.")
        key = ref.record_key
    else:
        rows = con.execute(f"select distinct record_key from {access.intermediate(con, 'int_source_rows', catalog)} "
                           "where upper(schema_code) = ? and source_file = ? and source_row = ?",
                           [ref.schema_code, ref.source_file, ref.source_row]).fetchall()
        if not rows:
            raise ExplainRefused(f"No such row: {ref.label()}.")
        key = rows[0][0]
    if ref.client_id:
        owner = con.execute("select client_id from restricted.identity_records where record_key = ?",
                            [key]).fetchone()
        if not owner or owner[0] != ref.client_id:
            raise ExplainRefused(f"{ref.label()} does not belong to {ref.client_id}.")
    return key


def _pending_decisions(con, keys: tuple[str, str], applied: dict | None, catalog) -> list[dict]:
    """Decisions in the project's seeds/match_decisions.csv naming these two records that the
    last build has not applied (recorded since)."""
    path = project_seeds_dir() / DECISIONS_NAME
    if not path.exists():
        return []
    lineage = access.intermediate(con, "int_source_rows", catalog)

    def key_of(row, side):
        if row.get(f"record_key_{side}"):
            return row[f"record_key_{side}"]
        try:
            found = con.execute(f"select record_key from {lineage} where upper(schema_code) = ? and "
                                "source_file = ? and source_row = ?",
                                [str(row.get(f"schema_code_{side}") or "").upper(),
                                 row.get(f"source_file_{side}"), int(row.get(f"source_row_{side}") or 0)]).fetchone()
        except (TypeError, ValueError):
            return None
        return found[0] if found else None

    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if {key_of(row, "a"), key_of(row, "b")} != set(keys):
                continue
            if applied and str(applied.get("decided_at")) == row.get("decided_at") \
                    and applied.get("decision") == (row.get("decision") or "").strip().lower():
                continue
            if applied and str(applied.get("decided_at") or "") > (row.get("decided_at") or ""):
                continue
            out.append({k: row.get(k) for k in ("decision", "decided_by", "reason", "decided_at")})
    return out


def _path(con, cluster_key: str, start: str, goal: str, catalog) -> list[tuple[str, str, float | None]]:
    """The shortest chain of counted links (restricted.match_links, is_link and same_cluster)
    from ``start`` to ``goal`` inside one cluster: [(record label, rule into it, score)]."""
    clusters = access.intermediate(con, "int_match_clusters", catalog)
    edges = con.execute(
        f"select l.record_key_a, l.record_key_b, l.rule, l.score from restricted.match_links as l "
        f"where l.is_link = 1 and l.same_cluster = 1 and l.record_key_a in "
        f"(select c.record_key from {clusters} as c where c.cluster_key = ?)", [cluster_key]).fetchall()
    graph: dict[str, list] = {}
    for a, b, rule, score in edges:
        graph.setdefault(a, []).append((b, rule, score))
        graph.setdefault(b, []).append((a, rule, score))
    came: dict[str, tuple] = {start: None}
    frontier = deque([start])
    while frontier:
        node = frontier.popleft()
        if node == goal:
            break
        for other, rule, score in graph.get(node, []):
            if other not in came:
                came[other] = (node, rule, score)
                frontier.append(other)
    if goal not in came:
        return []
    chain, node = [], goal
    while came[node] is not None:
        prev, rule, score = came[node]
        chain.append((node, rule, score))
        node = prev
    chain.reverse()
    keys = [start] + [k for k, _, _ in chain]
    rows = con.execute("select * from restricted.identity_records where record_key in ("
                       + ", ".join("?" for _ in keys) + ")", keys).df()
    labels = {r["record_key"]: record_label(r) for r in rows.to_dict(orient="records")}
    return [(labels.get(start, start), "", None)] + [
        (labels.get(k, k), rule, None if score is None or pd.isna(score) else float(score)) for k, rule, score in chain]


def explain_pair(warehouse: str | Path, record_a: str, record_b: str, *, purpose: str | None,
                 case_reference: str | None, reason: str | None, user: str | None = None) -> Explanation:
    """Explain two records, auditing first (``access.MatchAccessRefused`` before anything is
    opened; ``access.MatchEvidenceFailed`` when the warehouse cannot answer)."""
    request = access.check_request(purpose, case_reference, reason, user)
    ref_a, ref_b = parse_ref(record_a), parse_ref(record_b)
    warehouse = Path(warehouse)
    access.check_evidence_access(warehouse)
    try:
        compiled = compile_comparison(warehouse)
    except Exception as exc:  # noqa: BLE001 - said in one line; no data in it
        raise access.MatchEvidenceFailed(str(exc)) from None
    cat = compiled.catalog
    with access.evidence_connection(warehouse, cat) as con:
        for t in ("identity_records", "match_links"):
            if not access.store.table_exists(con, "restricted", t):
                raise access.MatchEvidenceFailed(f"The warehouse has no restricted.{t}: run `costcalc build` first.")
        key_a, key_b = _resolve(con, ref_a, cat), _resolve(con, ref_b, cat)
        if key_a == key_b:
            raise ExplainRefused("Both references name the same record.")
        records = con.execute("select * from restricted.identity_records where record_key in (?, ?)",
                              [key_a, key_b]).df()
        records = records.set_index("record_key").loc[[key_a, key_b]].reset_index()
        clusters = con.execute(f"select record_key, profile_key, cluster_key from "
                               f"{access.intermediate(con, 'int_match_clusters', cat)} where record_key in (?, ?)",
                               [key_a, key_b]).fetchall()
        info = {k: (p, c) for k, p, c in clusters}
        (pk_a, cl_a), (pk_b, cl_b) = info[key_a], info[key_b]
        same_profile, same_cluster = pk_a == pk_b, cl_a == cl_b
        lo, hi = min(pk_a, pk_b), max(pk_a, pk_b)
        comparison, fields, threshold, blocking, compared = None, [], None, [], False
        if not same_profile:
            blocks = access.intermediate(con, "int_match_block_keys", cat)
            blocking = [(compiled.rule_names.get(int(n), f"rule {int(n)}"), bool(s)) for n, s in con.execute(
                f"select distinct a.rule_no, a.is_skipped from {blocks} as a inner join {blocks} as b "
                "on b.rule_no = a.rule_no and b.block_key = a.block_key where a.profile_key = ? and b.profile_key = ? "
                "order by a.rule_no", [lo, hi]).fetchall()]
            compared = con.execute(f"select count(*) from {access.intermediate(con, 'int_match_pairs', cat)} "
                                   "where pk_a = ? and pk_b = ?", [lo, hi]).fetchone()[0] > 0
            frame, weights, threshold = compare(con, compiled, [(lo, hi)])
            comparison = frame.iloc[0].to_dict()
            fields = [(name, str(comparison.get(f"{name}_level")), float(comparison[col] or 0))
                      for name, col in weights.items()]
        decided = con.execute(f"select decision, decided_by, reason, decided_at from "
                              f"{access.intermediate(con, 'int_match_decisions', cat)} "
                              "where record_key_a = ? and record_key_b = ?",
                              [min(key_a, key_b), max(key_a, key_b)]).df()
        decision = decided.iloc[0].to_dict() if len(decided) else None
        pending = _pending_decisions(con, (key_a, key_b), decision, cat)
        path = _path(con, cl_a, key_a, key_b, cat) if same_cluster and not same_profile else []
        labels = (record_label(records.iloc[0].to_dict()), record_label(records.iloc[1].to_dict()))
        at = access.audit(con, request, "explain", labels[0], labels[1], 1, "shown")
        by = access.audited_user(con)
    return Explanation(at=at, by=by, request=request, labels=labels, records=records, same_profile=same_profile,
                       same_cluster=same_cluster, compared=compared, blocking=blocking, comparison=comparison,
                       fields=fields, threshold=threshold, decision=decision, pending=pending, path=path)


# --------------------------------------------------------------------------- display


def _num(x) -> str:
    return f"{x:+.2f}" if x is not None else ""


def format_explanation(e: Explanation) -> str:
    from costcalc.lookup import PURPOSE_TITLES

    out = [f"Match explanation: {e.labels[0]} and {e.labels[1]} (by {e.by}"
           f"{f', who gave --user {e.request.claimed_user}' if e.request.claimed_user else ''}"
           f" at {e.at:%Y-%m-%d %H:%M:%S} UTC; audited)",
           f"Purpose {e.request.purpose} ({PURPOSE_TITLES.get(e.request.purpose, '?')}), "
           f"case {e.request.case_reference}",
           "RESTRICTED: identifying details. Do not copy them into reports, e-mails or tickets.", ""]
    shown = [c for c in DETAIL_COLUMNS if c in e.records.columns]
    width = max(len(c) for c in shown + ["record"])
    out.append(f"  {'record'.ljust(width)}  A: {e.labels[0]}  |  B: {e.labels[1]}")
    for c in shown:
        a, b = (_text(e.records.iloc[i][c]) for i in (0, 1))
        out.append(f"  {c.ljust(width)}  A: {a or '-'}  |  B: {b or '-'}")
    out.append("")
    verdict = "ONE PERSON: the same client" if e.same_cluster else "TWO PEOPLE: different clients"
    out.append(f"Result of the last build: {verdict}.")
    if e.same_profile:
        out.append("Their matching details are identical (one identity profile): they are one person without "
                   "any comparison.")
    else:
        if e.compared:
            names = ", ".join(n + (" (that value is left out: too common)" if s else "") for n, s in e.blocking)
            out.append(f"Compared by the last build: yes (blocking rules they share: {names}).")
        else:
            names = "; ".join(n + " (that value is left out: too common)" for n, s in e.blocking if s)
            out.append("Compared by the last build: NO. The blocking rules never brought them together"
                       + (f" ({names})" if names else " (they share no blocking value)")
                       + "; below is how the build's comparison scores them anyway.")
        out.append("")
        out.append(f"  {'field':<15} {'level':<12} {'weight':>8}")
        for name, level, weight in e.fields:
            out.append(f"  {FIELD_NAMES.get(name, name):<15} {level:<12} {_num(weight):>8}")
        c = e.comparison or {}
        score = c.get("score")
        out.append(f"  {'score':<28} {_num(float(score)) if score is not None else '':>8}   "
                   f"(threshold {e.threshold:g}: {'at or above' if float(score) >= e.threshold else 'below'})")
        rule = str(c.get("rule") or "")
        out.append(f"  rule: {rule}: {RULE_TEXT.get(rule, rule)}")
        if int(c.get("is_apart") or 0):
            out.append("  CONFLICT: " + RULE_TEXT.get(rule, rule) + ".")
    if e.decision:
        d = e.decision
        verb = "the same person" if d["decision"] == "link" else "NOT the same person"
        out.append(f"Manual decision (applied by the last build): {verb}, by {d['decided_by']} on "
                   f"{d['decided_at']}: {d['reason']}")
    for d in e.pending:
        verb = "the same person" if (d["decision"] or "").strip().lower() == "link" else "NOT the same person"
        out.append(f"Manual decision recorded since the last build (applies at the next `costcalc build`): {verb}, "
                   f"by {d['decided_by']} on {d['decided_at']}: {d['reason']}")
    if not e.decision and not e.pending:
        out.append("Manual decision: none.")
    if e.path:
        if len(e.path) == 2:
            out.append(f"They are linked directly: {e.path[1][1]}"
                       + (f" (score {e.path[1][2]:.2f})" if e.path[1][2] is not None else "") + ".")
        else:
            out.append("They are one client through other records:")
            out.append(f"  {e.path[0][0]}")
            for label, rule, score in e.path[1:]:
                out.append(f"  -> {label}  [{rule}{f' {score:.2f}' if score is not None else ''}]")
    elif e.same_cluster and not e.same_profile:
        out.append("They are one client, joined through their identity profiles.")
    return "\n".join(out) + "\n"
