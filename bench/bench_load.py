"""Loader benchmark: rows/second and peak memory for each reader.

    .venv/bin/python bench/bench_load.py [--rows 200000] [--only csv,csvmodule,calamine,openpyxl] [--repeat 3]

Generates (once, cached under bench/out/) an H01A file of N rows as .xlsx
(openpyxl write-only, real date cells, numbers as numbers) and the same as
.csv (UTF-8, dd/mm/yyyy dates, £ amounts), then for each reader runs, in a
fresh subprocess each (so peak RSS is that measurement's alone):

- readers: ``csv`` (the loader's default for CSV: pyarrow's CSV parser, Arrow
  columns), ``csvmodule`` (Python's csv module, the fallback for irregular
  files), ``calamine`` (the default for .xlsx) and ``openpyxl`` (read-only mode),

- ``read``: the reader alone (blocks of rows streamed as the loader takes them,
  nothing validated),
- ``load``: ``costcalc.ingest.landing.load_file`` into a fresh DuckDB warehouse,
- ``warm`` (not run by default): the same, in a process that has already
  loaded the file once into another warehouse, as a running ``costcalc watch``
  loads its second file; only the second load is timed.

Peak memory is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the
subprocess (the interpreter with pandas+duckdb imported is ~117 MB on its
own, printed as ``baseline``). CPU seconds (user+system, all threads) are
printed too: on a shared machine they say more than wall time, and so is the
load average (1 minute) before each measurement.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

HEADERS = ["pin", "address1", "address2", "address3", "address4", "postcode", "ni", "firstname",
           "surname", "dob", "residents", "startdate", "enddate", "cost", "proptype", "propsubtype"]

_LETTERS = "ABCDEFGHJKLMNPRSTUWYZ"
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
_SECOND = "ABCDEFGHKLMNOPRSTUWY"


def _rows(n: int, seed: int = 7):
    rnd = random.Random(seed)
    postcodes = [f"{rnd.choice('BEGLMNS')}{rnd.choice(_SECOND)}{rnd.randint(1, 20)} "
                 f"{rnd.randint(0, 9)}{rnd.choice(_INWARD)}{rnd.choice(_INWARD)}" for _ in range(20_000)]
    surnames = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
                "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall"]
    firsts = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo"]
    streets = ["High Street", "Station Road", "Church Lane", "Victoria Road", "Green Lane", "Park Road"]
    types = ["B&B", "Hostel", "Private sector leased", "Council stock", "Nightly paid"]
    base = dt.date(1940, 1, 1)
    start0 = dt.date(2019, 1, 1)
    for i in range(n):
        dob = base + dt.timedelta(days=rnd.randint(0, 60 * 365))
        start = start0 + dt.timedelta(days=rnd.randint(0, 5 * 365))
        end = start + dt.timedelta(days=rnd.randint(1, 400)) if rnd.random() < 0.7 else None
        yield [f"P{i:07d}", f"{rnd.randint(1, 300)} {rnd.choice(streets)}", "", "Anytown", "",
               rnd.choice(postcodes), "", rnd.choice(firsts), rnd.choice(surnames), dob,
               rnd.randint(1, 6), start, end, round(rnd.uniform(50, 900), 2), rnd.choice(types), ""]


def make_xlsx(path: Path, n: int) -> None:
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Extract")
    ws.append(HEADERS)
    for r in _rows(n):
        ws.append([v if v != "" else None for v in r])
    wb.save(path)


def make_csv(path: Path, n: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for r in _rows(n):
            r[9] = r[9].strftime("%d/%m/%Y")
            r[11] = r[11].strftime("%d/%m/%Y")
            r[12] = r[12].strftime("%d/%m/%Y") if r[12] else ""
            r[13] = f"£{r[13]:,.2f}"
            w.writerow(r)


def files(n: int, xlsx: bool = True) -> tuple[Path, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    x, c = OUT / f"h01a_{n}.xlsx", OUT / f"h01a_{n}.csv"
    if xlsx and not x.exists():
        t = time.perf_counter()
        make_xlsx(x.with_suffix(".tmp.xlsx"), n)
        x.with_suffix(".tmp.xlsx").rename(x)
        print(f"generated {x.name} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    if not c.exists():
        make_csv(c.with_suffix(".tmp.csv"), n)
        c.with_suffix(".tmp.csv").rename(c)
    return x, c


_CHILD = r"""
import json, os, resource, sys, time
mode, engine, path, wh = sys.argv[1:5]
os.environ["COSTCALC_XLSX_ENGINE"] = engine if engine in ("calamine", "openpyxl") else "auto"
os.environ["COSTCALC_CSV_ENGINE"] = "csv" if engine == "csvmodule" else "arrow"
import pandas, duckdb  # counted in the baseline
from costcalc.ingest import readers
from costcalc.ingest import landing
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
if mode == "warm":  # a first load, untimed: what a running watcher has behind it
    assert landing.load_file(wh + ".first", path).status == "loaded"
t, c = time.perf_counter(), cpu()
if mode == "baseline":
    n = 0
elif mode == "read":
    src = readers.open_rows(path)
    n = -1  # the header row
    while True:
        block = src.take_block(50_000)
        if not len(block):
            break
        n += len(block)
else:
    r = landing.load_file(wh, path)
    assert r.status == "loaded", r.message
    n = r.rows_accepted
secs, cpu_secs = time.perf_counter() - t, cpu() - c
print(json.dumps({"rows": n, "seconds": secs, "cpu": cpu_secs,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(mode: str, engine: str, path: Path) -> dict:
    wh = OUT / f"bench_{engine}_{mode}.duckdb"
    files = [Path(f"{wh}{suffix}") for suffix in ("", ".wal", ".first", ".first.wal")]
    for p in files:
        if p.exists():
            p.unlink()
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, engine, str(path), str(wh)],
                         capture_output=True, text=True, check=True)
    for p in files:
        if p.exists():
            p.unlink()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--only", default="csv,csvmodule,calamine,openpyxl")
    ap.add_argument("--modes", default="read,load", help="read, load and warm (see above)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each measurement; the median run is printed, with the fastest")
    args = ap.parse_args()
    engines = args.only.split(",")
    xlsx, csv_path = files(args.rows, xlsx=any(e in ("calamine", "openpyxl") for e in engines))
    base = measure("baseline", "csv", csv_path)
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in (xlsx, csv_path) if p.exists())
    print(f"files: {sizes}; baseline interpreter {base['maxrss_mb']:.0f} MB")
    print(f"{os.cpu_count()} cores; other work on the machine slows wall time (see 'load')")
    print(f"median of {args.repeat} runs; 'best s' is the fastest run's seconds")
    print(f"{'reader':10} {'mode':5} {'rows':>8} {'seconds':>8} {'rows/s':>10} {'cpu s':>7} {'rows/cpu-s':>10} "
          f"{'peak MB':>8} {'load':>5} {'best s':>7}")
    for engine in engines:
        path = csv_path if engine in ("csv", "csvmodule") else xlsx
        for mode in args.modes.split(","):
            load = os.getloadavg()[0]
            runs = sorted((measure(mode, engine, path) for _ in range(max(args.repeat, 1))),
                          key=lambda r: r["seconds"])
            r = runs[len(runs) // 2]
            print(f"{engine:10} {mode:5} {r['rows']:8d} {r['seconds']:8.2f} "
                  f"{r['rows'] / r['seconds']:10,.0f} {r['cpu']:7.2f} {r['rows'] / r['cpu']:10,.0f} "
                  f"{r['maxrss_mb']:8.0f} {load:5.1f} {runs[0]['seconds']:7.2f}", flush=True)


if __name__ == "__main__":
    main()
