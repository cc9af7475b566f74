"""Incremental build benchmark: a full build of N service-use rows, then 1% more
rows loaded and built incrementally, then the same warehouse built again with
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
publishing (a copy of the marts) comes on top.
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


def _usage() -> tuple[float, int]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def _slowest(target_path: Path, n: int = 6) -> list:
    timed = sorted(((t, name) for name, t in _node_times(target_path).items()), reverse=True)
    return [(name, round(t, 1)) for t, name in timed[:n]]


def _node_times(target_path: Path) -> dict:
    """Each node's execution seconds in the build's run_results.json."""
    try:
        results = json.loads((target_path / "run_results.json").read_text())["results"]
    except (OSError, KeyError, ValueError):
        return {}
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}


#: The nodes whose seconds are printed beside each other for every build (matching's models).
MATCHING_NODES = ("int_match_records", "int_match_profiles", "int_match_block_keys", "int_match_reference_pairs",
                  "int_match_candidates", "int_match_pair_levels", "int_match_weight_estimates", "int_match_pairs",
                  "int_match_cc", "int_match_merge", "int_match_clusters", "match_links")


def run_one(rows: int, extra: float, newer_extract: bool, threads: str | None) -> dict:
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

    def timed_build(name: str, **kw) -> None:
        cpu0 = _usage()[0]
        t0 = time.perf_counter()
        result = build(warehouse, target_path=work / f"target_{name}", **kw)
        out[f"{name}_s"] = round(time.perf_counter() - t0, 1)
        out[f"{name}_cpu_s"] = round(_usage()[0] - cpu0, 1)
        out[f"{name}_ok"] = result.success
        out[f"{name}_slowest"] = _slowest(work / f"target_{name}")
        times = _node_times(work / f"target_{name}")
        out[f"{name}_matching"] = {m: round(times[m], 1) for m in MATCHING_NODES if m in times}
        out[f"{name}_load_avg"] = os.getloadavg()[0]
        if not result.success:
            out[f"{name}_failures"] = result.failures[:3]

    timed_build("full")
    out["peak_mb_full"] = round(_usage()[1] / 1024)
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
    shutil.rmtree(work, ignore_errors=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="*", default=[1_000_000])
    ap.add_argument("--extra", type=float, default=0.01, help="new rows as a share of --rows (default 0.01)")
    ap.add_argument("--newer-extract", action="store_true", help="the new file is a later extract")
    ap.add_argument("--threads", default=None, help="DuckDB threads for dbt (COSTCALC_DUCKDB_THREADS)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.rows[0], args.extra, args.newer_extract, args.threads)))
        return 0
    for rows in args.rows:
        bench_scale.generate(rows)
        cmd = [sys.executable, __file__, "--child", "--rows", str(rows), "--extra", str(args.extra)]
        if args.newer_extract:
            cmd.append("--newer-extract")
        if args.threads:
            cmd += ["--threads", args.threads]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("{")), None)
        if proc.returncode != 0 or line is None:
            print(f"{rows}: failed: {(proc.stderr or proc.stdout).strip().splitlines()[-3:]}")
            continue
        r = json.loads(line)
        print(f"rows {r['rows']:,} (+{r['extra_rows']:,}), load average {r['load_avg_start']:.1f} -> "
              f"{r['load_avg_end']:.1f}")
        for name in ("full", "incremental", "full_refresh"):
            ok = "" if r[f"{name}_ok"] else f"  FAILED: {r.get(name + '_failures')}"
            print(f"  {name:<13} {r[name + '_s']:>7} s  CPU {r[name + '_cpu_s']:>7} s  slowest: "
                  + ", ".join(f"{m} {t}" for m, t in r[name + "_slowest"]) + ok)
        print("  matching's models (s; full / incremental / full refresh; load average at each build's end "
              + " / ".join(f"{r[n + '_load_avg']:.1f}" for n in ("full", "incremental", "full_refresh")) + "):")
        for m in MATCHING_NODES:
            if any(m in r[n + "_matching"] for n in ("full", "incremental", "full_refresh")):
                print(f"    {m:<28} " + " / ".join(str(r[n + "_matching"].get(m, "-"))
                                                 for n in ("full", "incremental", "full_refresh")))
        print(f"  incremental / full refresh: {r['ratio']:.2f}; peak memory {r['peak_mb_full']} MB after the "
              f"first build, {r['peak_mb']} MB in all; warehouse {r['warehouse_mb']} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
