"""Household benchmark: pairwise precision and recall of "lives together on day
X" for the household index (fct_household_membership) on the demo generator's
labelled borough, at every month end of the demo's last financial year
(1 April 2025 to 31 March 2026), and how they move with the two assumptions
that matter most (dbt vars household_lookback_days and household_max_surnames).

    .venv/bin/python bench/bench_households.py                  # 30,000 people, seed 2026
    .venv/bin/python bench/bench_households.py --people 5000 --seed 7

Prints a table; it is not a test (tests/test_households.py holds the floor).
The scoring rules are in tests/helpers/household_eval.py; docs/households.md
has the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import household_eval  # noqa: E402

from costcalc.commands.demo import run_demo  # noqa: E402
from costcalc.transform.build import invoke_dbt  # noqa: E402

DAYS = household_eval.month_ends(dt.date(2025, 4, 1), dt.date(2026, 3, 31))
NO_GAZETTEER = "defaults, without the gazetteer (LLPG) file"
VARIANTS = [  # (label, dbt vars); the first is the project's defaults
    ("defaults (lookback 365 days, > 3 surnames shared)", {}),
    ("lookback 183 days", {"household_lookback_days": 183}),
    ("lookback 0 days (only the day seen)", {"household_lookback_days": 0}),
    ("shared only by words (no surname/people counts)", {"household_max_surnames": 100000,
                                                         "household_max_residents": 100000}),
    ("shared only by counts (no words)", {"household_shared_address_words": []}),
    # last, as it empties the gazetteer of this throw-away warehouse
    (NO_GAZETTEER, {}),
]


def scores_of(warehouse: Path, truth: Path) -> tuple[household_eval.Scores, int, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        s = household_eval.score(con, truth, DAYS)
        households, shared = con.execute(
            "select count(*), count(*) filter (where is_shared_address) from marts.dim_household").fetchone()
    finally:
        con.close()
    return s, households, shared


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--gazetteer-only", action="store_true",
                    help="score only the defaults with and without the gazetteer (quicker)")
    args = ap.parse_args()
    variants = [v for v in VARIANTS if not args.gazetteer_only or v is VARIANTS[0] or v[0] == NO_GAZETTEER]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wh = root / "warehouse.duckdb"
        t = time.perf_counter()
        run = run_demo(wh, root / "files", args.people, args.seed, echo=lambda *a, **k: None)
        print(f"Demo borough: {args.people:,} people, seed {args.seed}; generated, loaded and built in "
              f"{time.perf_counter() - t:.0f}s. Days scored: {len(DAYS)} month ends, "
              f"{DAYS[0]:%d/%m/%Y} to {DAYS[-1]:%d/%m/%Y}.\n")
        print(f"{'setting':<52} {'households':>10} {'shared':>6} {'true pairs':>10} {'found':>8} "
              f"{'precision':>9} {'recall':>7}")
        for label, dbt_vars in variants:
            if label == NO_GAZETTEER:
                with duckdb.connect(str(wh)) as con:
                    con.execute("delete from raw.gz01")
                res = invoke_dbt(wh, ["run", "--select", "stg_gz01+"])
                assert res.success, res.failures or res.error
            elif dbt_vars:
                res = invoke_dbt(wh, ["run", "--select", "int_household_observations+",
                                      "--vars", json.dumps(dbt_vars)])
                assert res.success, res.failures or res.error
            s, households, shared = scores_of(wh, run.data.truth_dir)
            print(f"{label:<52} {households:>10,} {shared:>6,} {s.true_pairs:>10,} {s.predicted_pairs:>8,} "
                  f"{s.precision:>9.4f} {s.recall:>7.4f}")


if __name__ == "__main__":
    main()
