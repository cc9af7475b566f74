"""Incremental build benchmark: a full build of N service-use rows, a build with
nothing new (what every build pays, whatever arrived), then 1% more rows loaded
and built incrementally, then the same warehouse built again with
--full-refresh. Prints figures (it is not a test).

    .venv/bin/python bench/bench_incremental.py                    # 1M rows, +1%
    .venv/bin/python bench/bench_incremental.py --rows 3000000 --extra 0.01
    .venv/bin/python bench/bench_incremental.py --rows 1000000 --newer-extract   # the new file is a newer extract

The base files are bench_scale.py's (cached in bench/out/scale/). The extra file
holds new records (new extrefs) for people already in the base files and, one in
five, for new people, with the base files' extract date (or, with
--newer-extract, a later one: then every ongoing record of the file type runs
to the new date and its client's costs change). Each size runs in a fresh
process: peak memory (ru_maxrss) is that run's; CPU seconds are user + system of
all its threads, the figure that does not depend on what else the machine does.
Builds are dbt only (``costcalc.transform.build.build``), as in bench_scale.py:
publishing (a copy of the marts) comes on top. Every build uses one dbt target
folder, as ``costcalc build`` keeps ``.costcalc/dbt/target``, so from the second
build on dbt reuses its parse of the project (partial parsing).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # noqa: E402

EXTRACT = dt.date(2026, 3, 31)


def extra_file(base: list[Path], rows: int, folder: Path) -> Path:
    """``rows`` new service-use rows: people of the base files (four in five) or new people."""
    rnd = random.Random(rows)
    sample = []
    with open(base[0], newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for i, row in enumerate(reader):
            if i >= 200_000:
                break
            sample.append(row)
    path = folder / "services_extra.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for j in range(rows):
            row = list(rnd.choice(sample))
            row[0] = f"X{j:09d}"
            if rnd.random() < 0.2:  # a new person
                row[8] = rnd.choice(bench_scale.FIRSTS)
                row[9] = f"{rnd.choice(bench_scale.SURNAMES)}new{rnd.randint(1, 10_000)}"
            start = dt.date(2025, 4, 1) + dt.timedelta(days=rnd.randint(0, 300))
            row[11] = start.strftime("%d/%m/%Y")
            row[12] = "" if rnd.random() < 0.3 else (start + dt.timedelta(days=rnd.randint(0, 60))).strftime("%d/%m/%Y")
            w.writerow(row)
    return path


BUILDS = ("full", "unchanged", "incremental", "full_refresh")


def _usage() -> tuple[float, int]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def run_one(rows: int, extra: float, newer_extract: bool, threads: str | None, slowest: int = 6) -> dict:
    from costcalc.ingest.landing import load_file
    from costcalc.transform.build import build

    if threads:
        os.environ["COSTCALC_DUCKDB_THREADS"] = threads
    files = bench_scale.generate(rows)
    work = Path(tempfile.mkdtemp(prefix="costcalc_incr_"))
    warehouse = work / "warehouse.duckdb"
    out: dict = {"rows": rows, "extra_rows": int(rows * extra), "load_avg_start": os.getloadavg()[0]}
    for f in files:
        res = load_file(warehouse, f, schema="GS00", extract_date=EXTRACT)
        if res.status != "loaded":
            raise SystemExit(f"{f.name}: {res.message}")

    # one dbt target folder for every build, as `costcalc build` keeps .costcalc/dbt/target:
    # from the second build on, dbt reuses its parse (partial parsing)
    target = work / "target"

    def timed_build(name: str, **kw) -> None:
        cpu0 = _usage()[0]
        t0 = time.perf_counter()
        result = build(warehouse, target_path=target, **kw)
        out[f"{name}_s"] = round(time.perf_counter() - t0, 1)
        out[f"{name}_cpu_s"] = round(_usage()[0] - cpu0, 1)
        out[f"{name}_ok"] = result.success
        out[f"{name}_slowest"] = bench_scale._slowest(target, slowest)
        if not result.success:
            out[f"{name}_failures"] = result.failures[:3]

    timed_build("full")
    out["peak_mb_full"] = round(_usage()[1] / 1024)
    # nothing new: what every build pays whatever arrived (dbt's start-up, every node and test)
    timed_build("unchanged")
    extra_path = extra_file(files, out["extra_rows"], work)
    t0 = time.perf_counter()
    res = load_file(warehouse, extra_path, schema="GS00",
                    extract_date=EXTRACT + dt.timedelta(days=30) if newer_extract else EXTRACT)
    out["extra_load_s"] = round(time.perf_counter() - t0, 1)
    if res.status != "loaded":
        raise SystemExit(f"extra: {res.message}")
    timed_build("incremental")
    timed_build("full_refresh", full_refresh=True)
    out["peak_mb"] = round(_usage()[1] / 1024)
    out["warehouse_mb"] = round(warehouse.stat().st_size / 2**20)
    out["load_avg_end"] = os.getloadavg()[0]
    out["ratio"] = round(out["incremental_s"] / out["full_refresh_s"], 3)
    out["unchanged_ratio"] = round(out["unchanged_s"] / out["full_refresh_s"], 3)
    shutil.rmtree(work, ignore_errors=True)
    return out


def measure(rows: int, extra: float = 0.01, newer_extract: bool = False, threads: str | None = None,
            slowest: int = 6) -> dict:
    """One size in a fresh process (run_one's figures as a dict); RuntimeError when it fails."""
    bench_scale.generate(rows)
    cmd = [sys.executable, __file__, "--child", "--rows", str(rows), "--extra", str(extra)]
    if newer_extract:
        cmd.append("--newer-extract")
    if threads:
        cmd += ["--threads", threads]
    cmd += ["--slowest", str(slowest)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("{")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"{rows}: failed: {(proc.stderr or proc.stdout).strip().splitlines()[-3:]}")
    return json.loads(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="*", default=[1_000_000])
    ap.add_argument("--extra", type=float, default=0.01, help="new rows as a share of --rows (default 0.01)")
    ap.add_argument("--newer-extract", action="store_true", help="the new file is a later extract")
    ap.add_argument("--threads", default=None, help="DuckDB threads for dbt (COSTCALC_DUCKDB_THREADS)")
    ap.add_argument("--slowest", type=int, default=6, help="how many of each build's slowest dbt nodes to print")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.rows[0], args.extra, args.newer_extract, args.threads, args.slowest)))
        return 0
    for rows in args.rows:
        try:
            r = measure(rows, args.extra, args.newer_extract, args.threads, args.slowest)
        except RuntimeError as exc:
            print(exc)
            continue
        print(f"rows {r['rows']:,} (+{r['extra_rows']:,}), load average {r['load_avg_start']:.1f} -> "
              f"{r['load_avg_end']:.1f}")
        for name in BUILDS:
            ok = "" if r[f"{name}_ok"] else f"  FAILED: {r.get(name + '_failures')}"
            print(f"  {name:<13} {r[name + '_s']:>7} s  CPU {r[name + '_cpu_s']:>7} s  slowest: "
                  + ", ".join(f"{m} {t}" for m, t in r[name + "_slowest"]) + ok)
        print(f"  incremental / full refresh: {r['ratio']:.2f}; nothing new / full refresh: "
              f"{r['unchanged_ratio']:.2f}; peak memory {r['peak_mb_full']} MB after the "
              f"first build, {r['peak_mb']} MB in all; warehouse {r['warehouse_mb']} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
