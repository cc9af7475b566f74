"""Benchmark: a file of placeholders added to the labelled population (issue 16).

Generates the labelled population of bench/matchgen.py, then adds N distinct
people (default 50,000) who all share one placeholder surname ("Unknown") and
date of birth (01/01/1900), with real first names and postcodes, as a
provider's system would write them. costcalc's matching models run with dbt on
a DuckDB file (bench/match_dbt.py), once without and once with the extra
people, each in a child process; it prints the dbt run time, the child's peak
memory (max RSS), the pairwise precision and recall on the labelled
population, and how many clients the extra people became (should be N).
Figures, not a timed test: docs/matching.md ("Placeholders and skew") quotes them.

    python bench/bench_placeholders.py --records 200000 --extra 50000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import bench_matching  # noqa: E402
from helpers import match_dbt, matchgen  # noqa: E402

import datetime as dt  # noqa: E402

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

FIRST_NAMES = ["John", "Mary", "David", "Sarah", "Mohammed", "Anna", "Peter", "Susan", "James", "Fatima",
               "Michael", "Emma", "Daniel", "Aisha", "Thomas", "Olivia", "Adam", "Grace", "Ali", "Chloe"]


def placeholder_people(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [{"record_key": f"ph{i:07d}", "person_id": f"ph{i:07d}", "schema_code": "GS00",
             "surname": "Unknown", "firstname": rng.choice(FIRST_NAMES), "dob": dt.date(1900, 1, 1),
             "postcode": matchgen.postcode(rng), "nhs_number": None, "ni_number": None,
             "source_file": "placeholders.csv", "source_row": i + 2, "first_load_order": 2}
            for i in range(n)]


def _run(recs: list[dict], out: mp.Queue) -> None:
    with tempfile.TemporaryDirectory(prefix="bench_placeholders_") as d:
        wh = Path(d) / "w.duckdb"
        match_dbt.write_input(wh, recs)
        project = match_dbt.make_project(Path(d) / "dbt", wh)
        match_dbt.run_dbt(project, "seed")
        t = time.perf_counter()
        match_dbt.run_dbt(project, "run")
        secs = time.perf_counter() - t
        con = duckdb.connect(str(wh))
        df = con.execute("select record_key, cluster_key as cluster from intermediate.int_match_clusters").df()
        log = con.execute("select comparisons, skipped_values from intermediate.int_match_build_log").fetchone()
        con.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put((df, secs, peak_mb, log))


def run(recs: list[dict]):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_run, args=(recs, q))
    p.start()
    res = q.get()
    p.join()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--extra", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=20170401)
    args = ap.parse_args()

    recs = matchgen.generate(args.records, args.seed)
    truth = pd.DataFrame({"record_key": [r["record_key"] for r in recs], "person_id": [r["person_id"] for r in recs]})
    extra = placeholder_people(args.extra, args.seed + 1)
    print(f"{len(recs):,} labelled records of {truth.person_id.nunique():,} people; "
          f"+{len(extra):,} distinct people with surname Unknown and date of birth 01/01/1900")
    print()
    print("| run | dbt run (s) | peak memory (MB) | comparisons | skipped values | precision | recall | "
          "clients for the extra people |")
    print("|---|---|---|---|---|---|---|---|")
    for name, data in (("labelled population", recs), (f"+ {len(extra):,} placeholder people", recs + extra)):
        df, secs, peak, (comparisons, skipped) = run(data)
        labelled = df[df.record_key.isin(truth.record_key)]
        p, r, _ = bench_matching.pair_scores(labelled, truth)
        extra_clients = df[df.record_key.str.startswith("ph")].cluster.nunique() if data is not recs else 0
        print(f"| {name} | {secs:.1f} | {peak:,.0f} | {comparisons:,} | {skipped} | {p:.4f} | {r:.4f} | "
              f"{extra_clients:,} |")


if __name__ == "__main__":
    main()
