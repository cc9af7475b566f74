"""Helpers for the tests/test_watch_*.py files: synthetic provider files (no real people)."""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import openpyxl

H01A_HEADERS = ["pin", "address1", "postcode", "ni", "firstname", "surname", "dob",
                "residents", "startdate", "enddate", "cost", "proptype"]
RB03_HEADERS = ["claimno", "nino", "title", "firstname", "lastname", "dob", "postcode", "address"]
GS00_HEADERS = ["extref", "postcode", "surname", "dob", "startdate", "enddate", "cost",
                "costfrequency", "servicedesc"]


def h01a_rows(n: int, start: int = 0) -> list[list]:
    return [[f"P{start + i:05d}", f"{i} Test Street", "SW1A 1AA", None, "Alex", f"Testname{start + i}",
             dt.date(1980, 1, 1) + dt.timedelta(days=start + i), 2, dt.date(2024, 1, 1),
             None, 250.0, "Hostel"] for i in range(n)]


def rb03_rows(n: int, start: int = 0) -> list[list]:
    return [[f"C{start + i:05d}", f"QQ{start + i:06d}C", "Mx", "Sam", f"Testname{start + i}",
             "01/02/1975", "LS1 4AP", "1 Test Road"] for i in range(n)]


def gs00_rows(n: int, start: int = 0) -> list[list]:
    return [[f"G{start + i:05d}", "M1 1AE", f"Testname{start + i}", "1970-03-04", "2024-02-01",
             "", "12.50", "Weekly", "Meals"] for i in range(n)]


def write_xlsx(path: Path, headers: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def csv_text(headers: list[str], rows: list[list]) -> str:
    lines = [",".join(headers)]
    for r in rows:
        lines.append(",".join("" if v is None else (v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else str(v))
                              for v in r))
    return "\n".join(lines) + "\n"


def write_csv(path: Path, headers: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text(headers, rows), encoding="utf-8")
    return path


def read_report(path: Path) -> list[dict]:
    """An error report's problem lines (its first line is a summary)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        fh.readline()
        return list(csv.DictReader(fh))


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05):
    """Poll until ``predicate()`` is truthy (returns its value) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
