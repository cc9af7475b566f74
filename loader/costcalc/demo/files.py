"""Writing demo files the way providers send them: .xlsx (real date cells) or
.csv (UTF-8, UTF-8 with BOM, or Windows-1252), with their own header spellings,
date and money formats, the odd blank row and a few bad rows."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from ..schemas import get_schema
from .services import DemoRow


@dataclass
class DemoFile:
    """One generated file: how it is written, how it is loaded, and its rows with ground truth."""

    name: str
    schema_code: str
    file_type: str
    provider: str
    extract_date: dt.date
    rows: list[DemoRow]
    fmt: str = "xlsx"  # 'xlsx' | 'csv'
    encoding: str = "utf-8"  # csv only: 'utf-8', 'utf-8-sig', 'cp1252'
    date_style: str = "dmy"  # csv only: 'dmy' (dd/mm/yyyy), 'iso' (yyyy-mm-dd), 'compact' (yyyymmdd)
    money_style: str = "plain"  # csv only: 'plain' (1234.56) or 'mixed' (some '£1,234.56')
    headers: dict = field(default_factory=dict)  # schema column -> header text (default: the column name)
    path: Path | None = None

    @property
    def columns(self) -> list[str]:
        return [c.name for c in get_schema(self.schema_code).columns]

    @property
    def extra_columns(self) -> list[str]:
        out: list[str] = []
        for r in self.rows:
            for k in r.extra:
                if k not in out:
                    out.append(k)
        return out

    @property
    def data_rows(self) -> list[DemoRow]:
        return [r for r in self.rows if not r.blank]

    @property
    def accepted_rows(self) -> list[DemoRow]:
        return [r for r in self.rows if not r.blank and not r.planted_error]

    @property
    def rejected_rows(self) -> list[DemoRow]:
        return [r for r in self.rows if not r.blank and r.planted_error]


def plant(rng: random.Random, f: DemoFile, reason: str, change: dict) -> None:
    """Insert a copy of a random good row with ``change`` applied: a row the loader must reject.
    A small file (a small --people) gets no more bad rows than a quarter of its good ones, so
    that it is never rejected whole (docs/settings.md, loading.max_rejected_share)."""
    good = f.accepted_rows
    planted = sum(1 for r in f.rows if r.planted_error)
    if not good or (planted + 1) * 4 > len(good):
        return
    src = rng.choice(good)
    (column,) = change
    bad = DemoRow(dict(src.values), src.person_id, None, planted_error=reason, planted_column=column,
                  extra=copy.copy(src.extra))
    bad.values.update(change)
    f.rows.insert(rng.randint(0, len(f.rows)), bad)


def add_blank_row(rng: random.Random, f: DemoFile) -> None:
    if f.rows:
        f.rows.insert(rng.randint(1, len(f.rows)), DemoRow({}, None, None, blank=True))


def _csv_text(v, f: DemoFile, rng: random.Random) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.date):
        if f.date_style == "iso":
            return v.isoformat()
        if f.date_style == "compact":
            return v.strftime("%Y%m%d")
        return v.strftime("%d/%m/%Y")
    if isinstance(v, Decimal):
        if f.money_style == "mixed" and rng.random() < 0.3:
            return f"£{v:,.2f}"
        return f"{v:.2f}"
    return str(v)


def _xlsx_cell(v):
    if isinstance(v, Decimal):
        return float(v)
    return v


def write(f: DemoFile, folder: Path) -> Path:
    """Write ``f`` into ``folder``; sets ``f.path`` and every row's ``source_row``."""
    cols = f.columns
    extras = f.extra_columns
    header = [f.headers.get(c, c) for c in cols] + extras
    for i, r in enumerate(f.rows):
        r.source_row = i + 2  # the header is Excel row 1
    path = folder / f.name
    if f.fmt == "xlsx":
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Sheet1")
        ws.append(header)
        for r in f.rows:
            if r.blank:
                ws.append([None] * len(header))
            else:
                ws.append([_xlsx_cell(r.values.get(c)) for c in cols] + [r.extra.get(e) for e in extras])
        wb.save(path)
    else:
        rng = random.Random(f.name)
        with open(path, "w", newline="", encoding=f.encoding) as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for r in f.rows:
                if r.blank:
                    w.writerow([])
                else:
                    w.writerow([_csv_text(r.values.get(c), f, rng) for c in cols]
                               + [_csv_text(r.extra.get(e), f, rng) for e in extras])
    f.path = path
    return path
