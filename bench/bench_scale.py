"""Scale benchmark: load + build at 100k .. 3M service-use rows. Prints figures
(it is not a test).

    .venv/bin/python bench/bench_scale.py                      # DuckDB: 100k 300k 1M 3M
    .venv/bin/python bench/bench_scale.py --rows 1000000 --target spark
    .venv/bin/python bench/bench_scale.py --rows 300000 --models   # + the slowest dbt models

For each size it generates (once, cached under bench/out/scale/) GS00 CSV files
of service-use rows (about 5 rows per person; names, dates of birth and
postcodes are made up, with realistic repetition so matching has work to do),
then in a fresh subprocess (so peak memory is that run's alone) loads them
into a fresh warehouse and runs the full ``dbt build`` (models and tests).

Figures: load rows/s, load seconds, build seconds, total seconds, peak RSS of
the subprocess (``ru_maxrss``) and CPU seconds (user + system, all threads: the figure
that does not depend on what else the machine is doing; for Spark this is the Python driver only, the
JVM's peak is printed separately from /proc when available).
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

OUT = Path(__file__).resolve().parent / "out" / "scale"
ROWS_PER_FILE = 250_000
HEADERS = ["extref", "address1", "address2", "address3", "address4", "postcode", "ni", "nhsno", "firstname",
           "surname", "dob", "startdate", "enddate", "cost", "costfrequency", "servicedesc"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
            "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Khan", "Ahmed", "Lewis",
            "Clarke", "Jackson", "Wood", "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris", "King", "Baker"]
FIRSTS = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Grace", "Jack",
          "Freya", "Harry", "Lily", "Oscar", "Ella", "Charlie", "Sophie", "Jacob", "Emily", "Thomas", "Ruby"]
SERVICES = ["Day centre", "Home care", "Meals", "Transport", "Respite", "Equipment", "Counselling", "Outreach"]
FREQS = ["Weekly", "Daily", "4 Weekly", "Monthly", "One-off", "Annual"]


def generate(rows: int) -> list[Path]:
    """GS00 CSV files holding ``rows`` service-use rows in total (cached)."""
    folder = OUT / f"gs00_{rows}"
    done = folder / ".complete"
    if done.exists():
        return sorted(folder.glob("*.csv"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rnd = random.Random(rows)
    people_n = max(rows // 5, 1)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    people = []
    for i in range(people_n):
        pc = f"{rnd.choice('BEGLMNS')}{rnd.choice('ABCDEFGHKLMNOPRSTUWY')}{rnd.randint(1, 20)} " \
             f"{rnd.randint(0, 9)}{rnd.choice(letters)}{rnd.choice(letters)}"
        dob = dt.date(1930, 1, 1) + dt.timedelta(days=rnd.randint(0, 33_000))
        people.append((f"{rnd.choice(FIRSTS)}", f"{rnd.choice(SURNAMES)}{rnd.randint(1, 400)}",
                       dob.strftime("%d/%m/%Y"), pc, f"{rnd.randint(1, 200)} {rnd.choice(SURNAMES)} Road"))
    paths = []
    written = 0
    n_files = (rows + ROWS_PER_FILE - 1) // ROWS_PER_FILE
    for f in range(n_files):
        path = folder / f"services_{f + 1:03d}.csv"
        count = min(ROWS_PER_FILE, rows - written)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(HEADERS)
            for j in range(count):
                first, sur, dob, pc, addr = people[rnd.randrange(people_n)]
                start = dt.date(2019, 1, 1) + dt.timedelta(days=rnd.randint(0, 2400))
                end = "" if rnd.random() < 0.3 else (start + dt.timedelta(days=rnd.randint(0, 700))).strftime("%d/%m/%Y")
                w.writerow([f"R{written + j:09d}", addr, "", "", "", pc, "", "", first, sur, dob,
                            start.strftime("%d/%m/%Y"), end, f"{rnd.randint(5, 900)}.{rnd.randint(0, 99):02d}",
                            rnd.choice(FREQS), rnd.choice(SERVICES)])
        written += count
        paths.append(path)
    done.touch()
    return paths


def _jvm_peak_kb() -> int | None:
    """Peak RSS of child JVMs (Spark), from /proc (VmHWM)."""
    peak = None
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if "java" not in text.split("\n", 1)[0] or f"PPid:\t{os.getpid()}" not in text:
            continue
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak or 0, int(line.split()[1]))
    return peak


def run_one(rows: int, target: str, models: bool) -> dict:
    """In this (fresh) process: load every file, then build; figures as a dict."""
    os.environ["COSTCALC_TARGET"] = target
    from costcalc.transform.build import build
    from costcalc.ingest.landing import load_file

    files = generate(rows)
    work = Path(tempfile.mkdtemp(prefix=f"costcalc_scale_{target}_"))
    os.environ["COSTCALC_SPARK_DIR"] = str(work / "spark")
    warehouse = work / "warehouse.duckdb"
    t0 = time.perf_counter()
    loaded = 0
    for f in files:
        res = load_file(warehouse, f, schema="GS00", extract_date=dt.date(2026, 3, 31))
        if res.status != "loaded":
            raise SystemExit(f"{f.name}: {res.message}")
        loaded += res.rows_accepted
    t_load = time.perf_counter() - t0
    jvm = _jvm_peak_kb()
    t0 = time.perf_counter()
    result = build(warehouse, target_path=work / "dbt_target")
    t_build = time.perf_counter() - t0
    out = {"rows": rows, "target": target, "loaded": loaded, "load_s": round(t_load, 1),
           "rows_per_s": round(loaded / t_load), "build_s": round(t_build, 1),
           "total_s": round(t_load + t_build, 1), "build_ok": result.success,
           "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
           "cpu_s": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime
                          + resource.getrusage(resource.RUSAGE_SELF).ru_stime, 1),
           "failures": result.failures[:5]}
    jvm = max(jvm or 0, _jvm_peak_kb() or 0)
    if jvm:
        out["jvm_peak_mb"] = round(jvm / 1024)
    if target == "duckdb":
        out["warehouse_mb"] = round(warehouse.stat().st_size / 2**20)
    if models:
        out["slowest_models"] = _slowest(work / "dbt_target")
    shutil.rmtree(work, ignore_errors=True)
    return out


def _slowest(target_path: Path, n: int = 8) -> list:
    try:
        results = json.loads((target_path / "run_results.json").read_text())["results"]
    except (OSError, KeyError, ValueError):
        return []
    timed = sorted(((r["execution_time"], r["unique_id"].split(".")[-1]) for r in results), reverse=True)
    return [(name, round(t, 1)) for t, name in timed[:n]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="*", default=[100_000, 300_000, 1_000_000, 3_000_000])
    ap.add_argument("--target", default="duckdb", choices=["duckdb", "spark", "postgres"])
    ap.add_argument("--models", action="store_true", help="also print the slowest dbt nodes")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.rows[0], args.target, args.models)))
        return 0
    print(f"{'target':<8} {'rows':>9} {'load s':>8} {'rows/s':>8} {'build s':>8} {'total s':>8} {'peak MB':>8} {'CPU s':>7}  notes")
    for rows in args.rows:
        generate(rows)
        cmd = [sys.executable, __file__, "--child", "--rows", str(rows), "--target", args.target]
        if args.models:
            cmd.append("--models")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("{")), None)
        if proc.returncode != 0 or line is None:
            print(f"{args.target:<8} {rows:>9} failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
            continue
        r = json.loads(line)
        notes = [] if r["build_ok"] else ["BUILD FAILED: " + "; ".join(r["failures"])]
        if "jvm_peak_mb" in r:
            notes.append(f"JVM peak {r['jvm_peak_mb']} MB")
        if "warehouse_mb" in r:
            notes.append(f"warehouse {r['warehouse_mb']} MB")
        if r.get("slowest_models"):
            notes.append("slowest: " + ", ".join(f"{m} {t}s" for m, t in r["slowest_models"]))
        print(f"{r['target']:<8} {r['rows']:>9} {r['load_s']:>8} {r['rows_per_s']:>8} {r['build_s']:>8} "
              f"{r['total_s']:>8} {r['peak_mb']:>8} {r['cpu_s']:>7}  {'; '.join(notes)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
