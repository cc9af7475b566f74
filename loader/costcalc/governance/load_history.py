"""The load history: every load, who made it, what it held, and what became of it
(``costcalc loads``, docs/retention.md).

Read from ``raw.load_log`` (one row per file the loader saw), ``raw.unload_log``
(``costcalc unload``) and ``raw.purge_log`` / ``raw.purged_items``
(``costcalc purge``). Nothing personal: file names, provider folders, user
names, counts, dates and the unload reason (which the person unloading wrote).
Every cell is made safe for where it goes (costcalc.safe_output): no control
characters on a terminal, no formula in a CSV cell.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

from costcalc.safe_output import spreadsheet_row, terminal_text

FORMATS = ("table", "csv", "json")
STATUSES = ("loaded", "rejected", "unloaded")

#: What a purge kind is called in the history.
PURGED_LABELS = {"loaded_file": "file", "rejected_file": "file", "error_report": "error report",
                 "rejected_values": "rejected values"}

#: The columns, in order: (key, heading in the table).
COLUMNS = (
    ("load_id", "load"), ("loaded_at", "loaded at"), ("provider", "provider"), ("source_file", "file"),
    ("file_type", "file type"), ("loaded_by", "by"), ("rows_read", "read"), ("rows_accepted", "accepted"),
    ("rows_rejected", "rejected"), ("status", "status"), ("unloaded", "unloaded"), ("purged", "purged"),
)
NUMERIC = {"load_id", "rows_read", "rows_accepted", "rows_rejected"}
#: A reason is cut to this many characters in the table (csv and json carry it whole).
TABLE_REASON_CHARS = 40


class HistoryError(Exception):
    """The history cannot be read (no warehouse, busy)."""


@dataclass(frozen=True)
class HistoryFilters:
    provider: str | None = None
    since: _dt.date | None = None
    status: str | None = None


def _exists(con, table: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                       "AND table_name = ?", [table]).fetchall()[0][0] > 0


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                      "table_schema = 'raw' AND table_name = ?", [table]).fetchall()}


def read_history(con, filters: HistoryFilters = HistoryFilters()) -> list[dict]:
    """Every load matching ``filters`` (oldest first), as plain dicts (see COLUMNS, plus
    ``unloaded_at``, ``unloaded_by``, ``unload_reason`` and ``purged_kinds``)."""
    from costcalc.watch.names import folder_key

    if not _exists(con, "load_log"):
        return []
    by = "loaded_by" if "loaded_by" in _columns(con, "load_log") else "CAST(NULL AS VARCHAR)"
    where, params = [], []
    if filters.since is not None:
        where.append("loaded_at >= ?")
        params.append(_dt.datetime.combine(filters.since, _dt.time()))
    if filters.status:
        where.append("status = ?")
        params.append(filters.status)
    sql = (f"SELECT load_id, loaded_at, provider, source_file, file_type, {by}, rows_read, rows_accepted, "
           f"rows_rejected, status FROM raw.load_log {'WHERE ' + ' AND '.join(where) if where else ''} "
           "ORDER BY load_id")
    keys = [k for k, _ in COLUMNS[:10]]
    rows = [dict(zip(keys, r)) for r in con.execute(sql, params).fetchall()]
    if filters.provider is not None:
        want = folder_key(filters.provider)
        rows = [r for r in rows if r["provider"] is not None and folder_key(str(r["provider"])) == want]
    unloads = _unloads(con)
    purges = _purges(con)
    for r in rows:
        u = unloads.get(r["load_id"])
        r["unloaded_at"], r["unloaded_by"], r["unload_reason"] = u if u else (None, None, None)
        r["unloaded"] = f"{_when(u[0])} by {u[1]}: {u[2]}" if u else None
        kinds = purges.get(r["load_id"], {})
        r["purged_kinds"] = {k: v for k, v in sorted(kinds.items())}
        labels = sorted({PURGED_LABELS.get(k, k) for k in kinds})
        r["purged"] = f"{', '.join(labels)} ({_when(max(kinds.values()))[:10]})" if kinds else None
    return rows


def _unloads(con) -> dict[int, tuple]:
    if not _exists(con, "unload_log"):
        return {}
    return {int(r[0]): tuple(r[1:]) for r in con.execute(
        "SELECT load_id, unloaded_at, unloaded_by, reason FROM raw.unload_log ORDER BY unload_id").fetchall()}


def _purges(con) -> dict[int, dict[str, object]]:
    """load id -> {kind: when it was last purged}."""
    if not (_exists(con, "purged_items") and _exists(con, "purge_log")):
        return {}
    out: dict[int, dict[str, object]] = {}
    for load_id, kind, at in con.execute(
            "SELECT i.load_id, i.kind, max(p.purged_at) FROM raw.purged_items i JOIN raw.purge_log p "
            "ON p.purge_id = i.purge_id WHERE i.load_id IS NOT NULL GROUP BY i.load_id, i.kind").fetchall():
        out.setdefault(int(load_id), {})[str(kind)] = at
    return out


def load_history(warehouse, filters: HistoryFilters = HistoryFilters(), *, wait_seconds: float = 10.0) -> list[dict]:
    """:func:`read_history` of the warehouse (read-only; never creates one)."""
    import duckdb

    from costcalc.warehouse.connection import WarehouseBusy, WarehouseMissing, open_warehouse
    from costcalc.warehouse.targets import EngineError

    try:
        con = open_warehouse(path=warehouse, read_only=True, wait_seconds=wait_seconds)
    except WarehouseMissing:
        raise HistoryError(f"No warehouse at {Path(warehouse)}: nothing was ever loaded there.") from None
    except EngineError as exc:
        raise HistoryError(str(exc)) from None
    except (WarehouseBusy, duckdb.IOException):
        raise HistoryError(f"The warehouse {Path(warehouse).name} is in use (a load or build running?); "
                           "try again when it has finished.") from None
    try:
        return read_history(con, filters)
    finally:
        con.close()


# --------------------------------------------------------------------------- output


def _when(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)[:16]


def _cell(row: dict, key: str) -> str:
    value = row.get(key)
    if value is None:
        return "-"
    if key == "loaded_at":
        return _when(value)
    if key == "unloaded":
        text = str(value)
        return text if len(text) <= TABLE_REASON_CHARS + 20 else text[:TABLE_REASON_CHARS + 19] + "…"
    return str(value)


def format_table(rows: list[dict], filters: HistoryFilters = HistoryFilters()) -> str:
    described = [f"{k} = {v}" for k, v in (("provider", filters.provider), ("since", filters.since),
                                           ("status", filters.status)) if v is not None]
    out = ["Loads" + (f" ({'; '.join(described)})" if described else ""), ""]
    if not rows:
        out.append("No loads" + (" match these filters." if described else " yet."))
        return terminal_text("\n".join(out)) + "\n"
    headers = [h for _, h in COLUMNS]
    # File names, provider folders, user names and reasons may hold control characters: removed.
    body = [[terminal_text(_cell(r, k), one_line=True) for k, _ in COLUMNS] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(headers)]
    numeric = [k in NUMERIC for k, _ in COLUMNS]

    def line(cells):
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric)).rstrip()

    out += [line(headers), "  ".join("-" * w for w in widths), *(line(b) for b in body)]
    out += ["", f"{len(rows)} load{'s' if len(rows) != 1 else ''}; times are the warehouse's local time."]
    return "\n".join(out) + "\n"


#: The fields of csv and json, in order.
FIELDS = ("load_id", "loaded_at", "provider", "source_file", "file_type", "loaded_by", "rows_read",
          "rows_accepted", "rows_rejected", "status", "unloaded_at", "unloaded_by", "unload_reason", "purged")


def _plain(key: str, value):
    if key in ("loaded_at", "unloaded_at") and value is not None:
        return value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value)
    if key == "purged":
        return None if value is None else value
    return value


def format_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FIELDS)
    for r in rows:  # a file name or reason like "=HYPERLINK(...)" never runs in a spreadsheet
        w.writerow(spreadsheet_row(["" if r.get(k) is None else _plain(k, r.get(k)) for k in FIELDS]))
    return buf.getvalue()


def format_json(rows: list[dict], filters: HistoryFilters = HistoryFilters()) -> str:
    doc = {
        "filters": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                    for k, v in (("provider", filters.provider), ("since", filters.since),
                                 ("status", filters.status)) if v is not None},
        "loads": [{**{k: _plain(k, r.get(k)) for k in FIELDS if k != "purged"},
                   "purged": {k: _plain("loaded_at", v) for k, v in r["purged_kinds"].items()}} for r in rows],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def format_history(rows: list[dict], fmt: str = "table", filters: HistoryFilters = HistoryFilters()) -> str:
    if fmt == "table":
        return format_table(rows, filters)
    if fmt == "csv":
        return format_csv(rows)
    if fmt == "json":
        return format_json(rows, filters)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
