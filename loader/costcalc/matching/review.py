"""``costcalc match review``: borderline pairs for clerical review, and the reviewer's decisions.

Listing (restricted, audited like ``match explain``): every pair the last
build compared whose score is within ``--margin`` of the threshold, with no
manual decision yet, both records' details side by side, each field's level,
and two empty columns for the reviewer, ``decision`` and ``reason``. As a
table on the terminal, or a CSV or Excel file to work through.

Deciding (``--decide FILE``, the same file filled in, .csv or .xlsx): each row
whose ``decision`` is ``link`` or ``unlink`` becomes a decision exactly as
``costcalc match link|unlink`` records one (seeds/match_decisions.csv and
audit.match_log), applied by the next ``costcalc build``; a blank decision
(or ``skip``) leaves the pair undecided. The whole file is checked first: one
bad row (file, row, column and value named) and nothing is recorded.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from costcalc.commands.match import MIN_REASON_CHARS, MatchRefused, parse_ref, record_decision
from costcalc.matching import access
from costcalc.matching.comparison import compile_comparison, pair_sql, run_native

DEFAULT_MARGIN = 5.0
#: The columns the reviewer fills in.
DECISION_COLUMN, REASON_COLUMN = "decision", "reason"
REF_COLUMNS = ("record_a", "record_b")
#: restricted.identity_records columns shown side by side (those present).
SIDE_BY_SIDE = ("client_id", "surname", "firstname", "dob", "postcode", "address", "nhs_number", "ni_number")
DECISIONS = {"link": "link", "unlink": "unlink", "": None, "skip": None}


class ReviewFileError(Exception):
    """A decisions file that cannot be applied (file, row, column, value named); nothing recorded."""


@dataclass
class ReviewListing:
    pairs: pd.DataFrame
    threshold: float
    margin: float


def _ref(row) -> str:
    return f"{row['schema_code']}:{row['latest_source_file']}:{int(row['latest_source_row'])}"


def list_borderline(warehouse: str | Path, *, margin: float = DEFAULT_MARGIN, purpose: str | None,
                    case_reference: str | None, reason: str | None, user: str | None = None) -> ReviewListing:
    """The borderline pairs of the last build, audited before they are returned."""
    request = access.check_request(purpose, case_reference, reason, user)
    if not (0 < float(margin) <= 50):
        raise access.MatchAccessRefused("--margin is a number of score points above 0 and at most 50.")
    warehouse = Path(warehouse)
    access.check_evidence_access(warehouse)
    try:
        compiled = compile_comparison(warehouse)
        threshold_sql = pair_sql(compiled, [("a", "b")]).threshold_sql
    except Exception as exc:  # noqa: BLE001 - one line, no data in it
        raise access.MatchEvidenceFailed(str(exc)) from None
    cat = compiled.catalog
    with access.evidence_connection(warehouse, cat) as con:
        if not access.store.table_exists(con, "restricted", "identity_records"):
            raise access.MatchEvidenceFailed("The warehouse has no restricted.identity_records: "
                                             "run `costcalc build` first.")
        threshold = float(run_native(con, f"select {threshold_sql} as threshold").iloc[0, 0])
        pairs_t = access.intermediate(con, "int_match_pairs", cat)
        decisions_t = access.intermediate(con, "int_match_decisions", cat)
        pairs = con.execute(
            f"select p.* from {pairs_t} as p where p.score >= ? and p.score <= ? and not exists ("
            f"select 1 from {decisions_t} as d where "
            "d.record_key_a = case when p.record_key_a < p.record_key_b then p.record_key_a else p.record_key_b end "
            "and d.record_key_b = case when p.record_key_a < p.record_key_b then p.record_key_b else p.record_key_a end)"
            " order by abs(p.score - ?), p.record_key_a, p.record_key_b",
            [threshold - float(margin), threshold + float(margin), threshold]).df()
        keys = sorted(set(pairs["record_key_a"]) | set(pairs["record_key_b"])) if len(pairs) else []
        details = con.execute("select * from restricted.identity_records where record_key in ("
                              + ", ".join("?" for _ in keys) + ")", keys).df() if keys else None
        rows = []
        by_key = {r["record_key"]: r for r in details.to_dict(orient="records")} if details is not None else {}
        levels = [c for c in pairs.columns if c.endswith("_level")]
        for p in pairs.to_dict(orient="records"):
            a, b = by_key[p["record_key_a"]], by_key[p["record_key_b"]]
            row = {"record_a": _ref(a), "record_b": _ref(b), "score": round(float(p["score"]), 2),
                   "rule": p["rule"]}
            for c in SIDE_BY_SIDE:
                if c in a:
                    row[f"{c}_a"], row[f"{c}_b"] = a[c], b[c]
            for c in levels:
                row[c] = p[c]
            row[DECISION_COLUMN], row[REASON_COLUMN] = "", ""
            rows.append(row)
        frame = pd.DataFrame(rows, columns=None if rows else ["record_a", "record_b", "score", "rule",
                                                               DECISION_COLUMN, REASON_COLUMN])
        access.audit(con, request, "review", None, None, len(frame), "shown")
    return ReviewListing(pairs=frame, threshold=threshold, margin=float(margin))


# --------------------------------------------------------------------------- output


def _cell(value):
    from costcalc.lookup import _text
    from costcalc.safe_output import spreadsheet_cell

    return spreadsheet_cell(_text(value))


def write_csv(listing: ReviewListing, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(list(listing.pairs.columns))
        for row in listing.pairs.itertuples(index=False):
            w.writerow([_cell(v) for v in row])


def write_xlsx(listing: ReviewListing, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "review"
    ws.append(list(listing.pairs.columns))
    for row in listing.pairs.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A2"
    wb.save(path)


def format_table(listing: ReviewListing) -> str:
    from costcalc.lookup import _text

    head = [f"{len(listing.pairs)} pair(s) scored within {listing.margin:g} of the threshold "
            f"{listing.threshold:g}, with no manual decision yet.",
            "RESTRICTED: identifying details. Do not copy them into reports, e-mails or tickets.", ""]
    if listing.pairs.empty:
        return "\n".join(head) + "\n"
    cols = [c for c in listing.pairs.columns if c not in (DECISION_COLUMN, REASON_COLUMN)]
    text = [[_text(v) for v in row] for row in listing.pairs[cols].itertuples(index=False)]
    widths = [max(len(c), *(len(r[i]) for r in text)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in text]
    return "\n".join(head + lines) + "\n"


# --------------------------------------------------------------------------- decisions


def _read_rows(path: Path) -> list[tuple[int, dict]]:
    """(row number as the file shows it, {column: text}) for each row after the header."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise ReviewFileError(f"{path.name}: not a readable .xlsx file ({type(exc).__name__}).") from None
        ws = wb.worksheets[0]
        rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        raise ReviewFileError(f"{path.name}: a decisions file is .csv or .xlsx (the file `match review` wrote).")
    if not rows:
        raise ReviewFileError(f"{path.name}: the file is empty (no header row).")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in (*REF_COLUMNS, DECISION_COLUMN, REASON_COLUMN) if c not in header]
    if missing:
        raise ReviewFileError(f"{path.name} row 1: missing column(s) {', '.join(missing)} "
                              "(use the file `costcalc match review --format csv|xlsx` wrote).")
    out = []
    for n, values in enumerate(rows[1:], start=2):
        if not any(str(v).strip() for v in values):
            continue
        out.append((n, {h: (values[i].strip() if i < len(values) and values[i] is not None else "")
                        for i, h in enumerate(header)}))
    return out


@dataclass
class Decided:
    row: int
    decision: str
    record_a: str
    record_b: str
    reason: str


def check_decisions_file(path: str | Path) -> list[Decided]:
    """Every row of a reviewed file checked (``ReviewFileError`` naming file, row, column and
    value of the first problem); the rows with a decision."""
    from costcalc.commands.match import check_reason
    from costcalc.safe_output import terminal_text

    path = Path(path)
    if not path.is_file():
        raise ReviewFileError(f"No decisions file {path}.")
    out, seen = [], {}
    for n, row in _read_rows(path):
        where = f"{path.name} row {n}"
        raw = row.get(DECISION_COLUMN, "")
        decision = DECISIONS.get(raw.lower(), "bad")
        if decision == "bad":
            raise ReviewFileError(f"{where}, column {DECISION_COLUMN}: {terminal_text(raw[:40], one_line=True)!r} "
                                  "is not link, unlink, skip or blank.")
        if decision is None:
            continue
        refs = []
        for col in REF_COLUMNS:
            try:
                parse_ref(row.get(col, ""))
            except MatchRefused:
                raise ReviewFileError(f"{where}, column {col}: {terminal_text(row.get(col, '')[:80], one_line=True)!r}"
                                      " is not a record reference (SCHEMA:FILE:ROW or a record key).") from None
            refs.append(row[col])
        if refs[0] == refs[1]:
            raise ReviewFileError(f"{where}, columns record_a and record_b: both name the same record.")
        try:
            reason = check_reason(row.get(REASON_COLUMN, ""))
        except MatchRefused:
            raise ReviewFileError(f"{where}, column {REASON_COLUMN}: a {decision} needs a reason of at least "
                                  f"{MIN_REASON_CHARS} characters (the reason given is too short).") from None
        pair = tuple(sorted(refs))
        if pair in seen:
            raise ReviewFileError(f"{where}: the pair {refs[0]} / {refs[1]} is decided again (first on row "
                                  f"{seen[pair]}); keep one row per pair.")
        seen[pair] = n
        out.append(Decided(n, decision, refs[0], refs[1], reason))
    return out


def apply_decisions_file(warehouse: str | Path, path: str | Path, user: str | None = None,
                         decisions_file: Path | None = None) -> list[Decided]:
    """Check the whole file and that every record it names exists, then record each decision as
    ``match link|unlink`` does. ``ReviewFileError`` (nothing recorded) on any problem."""
    import click

    from costcalc.commands.match import check_ref, require_decision_rights
    from costcalc.warehouse import restricted_store as store
    from costcalc.warehouse.connection import WarehouseBusy, open_warehouse
    from costcalc.warehouse.targets import EngineError

    decided = check_decisions_file(path)
    name = Path(path).name
    if decided:
        try:
            con = open_warehouse(path=Path(warehouse), read_only=False)
            rcon = store.open_restricted(warehouse)
        except (EngineError, WarehouseBusy, store.RestrictedMissing, store.RestrictedLocked) as exc:
            if "con" in locals():
                con.close()
            raise click.ClickException(str(exc)) from None
        try:
            require_decision_rights(rcon)
            for d in decided:
                for col, text in (("record_a", d.record_a), ("record_b", d.record_b)):
                    try:
                        check_ref(con, parse_ref(text), rcon)
                    except MatchRefused as exc:
                        raise ReviewFileError(f"{name} row {d.row}, column {col}: {text!r}: {exc}") from None
        finally:
            rcon.close()
            con.close()
    for d in decided:
        record_decision(Path(warehouse), d.decision, parse_ref(d.record_a), parse_ref(d.record_b), d.reason,
                        user, decisions_file)
    return decided
