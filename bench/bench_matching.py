"""Matching benchmark: pairwise precision, recall and F1 (and run time) of
(a) the 2017 exact rule, (b) Splink (DuckDB backend, EM-trained on the same
data) and (c) costcalc's matching models run by dbt on a DuckDB file (and,
with --postgres, on a fresh database of the PostgreSQL server the COSTCALC_PG_*
variables name; with --spark, in a local Spark session), on synthetic identity records with ground truth
(tests/helpers/matchgen.py).

    .venv/bin/python bench/bench_matching.py --records 200000
    .venv/bin/python bench/bench_matching.py --records 1000000 --skip splink --skip portable
    .venv/bin/python bench/bench_matching.py --records 50000 --skip splink --skip portable --postgres
    .venv/bin/python bench/bench_matching.py --records 10000 --skip splink --skip portable --skip exact --spark

Prints a table; it is not a test. Splink is in the optional `bench` extra.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

# the labelled record generator and the dbt runner live with the tests, which use them too
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import match_dbt, matchgen  # noqa: E402


def pair_scores(assign: pd.DataFrame, truth: pd.DataFrame) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a clustering (record_key, cluster) against the truth."""
    con = duckdb.connect()
    con.register("a", assign)
    con.register("t", truth)
    tp, pp, ap = con.execute("""
        with j as (select a.cluster, t.person_id from a join t using (record_key))
        select
            (select sum(n * (n - 1) / 2) from (select count(*) n from j group by cluster, person_id)),
            (select sum(n * (n - 1) / 2) from (select count(*) n from j group by cluster)),
            (select sum(n * (n - 1) / 2) from (select count(*) n from j group by person_id))
    """).fetchone()
    p = tp / pp if pp else 1.0
    r = tp / ap if ap else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_exact_2017(recs: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame({
        "record_key": [r["record_key"] for r in recs],
        "cluster": [f"{re.sub(r'[^A-Z]', '', (r['surname'] or '').upper())}|{r['dob']}|"
                    f"{(r['postcode'] or '').replace(' ', '').upper()}" for r in recs],
    })
    return df


def run_costcalc(recs: list[dict], workdir: Path, portable: bool = False,
                 dbt_vars: str | None = None) -> tuple[pd.DataFrame, float]:
    wh = workdir / "costcalc.duckdb"
    match_dbt.write_input(wh, recs)
    project = match_dbt.make_project(workdir / "dbt", wh)
    match_dbt.run_dbt(project, "seed")
    t = time.perf_counter()
    if portable:
        dbt_vars = "{match_portable_only: true}"
    match_dbt.run_dbt(project, "run", *(["--vars", dbt_vars] if dbt_vars else []))
    elapsed = time.perf_counter() - t
    con = duckdb.connect(str(wh))  # dbt ran in-process: same configuration
    df = con.execute("select record_key, cluster_key as cluster from intermediate.int_match_clusters").df()
    con.close()
    return df, elapsed


def run_costcalc_postgres(recs: list[dict], workdir: Path,
                          dbt_vars: str | None = None) -> tuple[pd.DataFrame, float]:
    """The same models on PostgreSQL, in a database of their own (dropped afterwards)."""
    import uuid

    import psycopg2

    from costcalc.warehouse.engines import postgres_settings

    s = postgres_settings()
    name = f"costcalc_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(**dict(s, dbname="postgres"))
    admin.autocommit = True
    admin.cursor().execute(f"create database {name}")
    try:
        db = dict(s, dbname=name)
        match_dbt.write_input_postgres(" ".join(f"{k}={v}" for k, v in db.items() if v not in ("", None)), recs)
        project = match_dbt.make_project(workdir / "dbt_pg", None, postgres={
            "host": s["host"], "port": int(s["port"]), "user": s["user"], "dbname": name})
        match_dbt.run_dbt(project, "seed")
        t = time.perf_counter()
        match_dbt.run_dbt(project, "run", *(["--vars", dbt_vars] if dbt_vars else []))
        elapsed = time.perf_counter() - t
        with psycopg2.connect(**db) as con, con.cursor() as cur:
            cur.execute("select record_key, cluster_key from intermediate.int_match_clusters")
            df = pd.DataFrame(cur.fetchall(), columns=["record_key", "cluster"])
        return df, elapsed
    finally:
        admin.cursor().execute(f"drop database if exists {name} with (force)")
        admin.close()


def run_costcalc_spark(recs: list[dict], workdir: Path,
                       dbt_vars: str | None = None) -> tuple[pd.DataFrame, float]:
    """The same models on Spark: a local session (dbt-spark's session method, master
    COSTCALC_SPARK_MASTER, default local[2]) with its warehouse and metastore in ``workdir``."""
    import os

    os.environ["COSTCALC_SPARK_DIR"] = str(workdir / "spark")
    from costcalc.warehouse.engines import spark_session

    spark = spark_session()
    try:
        match_dbt.write_input_spark(spark, recs)
        project = match_dbt.make_project(workdir / "dbt_spark", None, spark=True)
        match_dbt.run_dbt(project, "seed")
        t = time.perf_counter()
        match_dbt.run_dbt(project, "run", *(["--vars", dbt_vars] if dbt_vars else []))
        elapsed = time.perf_counter() - t
        df = spark.sql("select record_key, cluster_key as cluster from intermediate.int_match_clusters").toPandas()
        return df, elapsed
    finally:
        spark.stop()


ENGINES = ("duckdb", "postgres", "spark")


def run_engine(engine: str, recs: list[dict], dbt_vars: str | None = None,
               portable: bool = False) -> tuple[pd.DataFrame, float]:
    """costcalc's matching models on one engine ("duckdb", "postgres" or "spark") in a
    temporary folder: (record_key, cluster) and the seconds of the dbt run."""
    with tempfile.TemporaryDirectory(prefix="bench_matching_") as d:
        if engine == "duckdb":
            return run_costcalc(recs, Path(d), portable=portable, dbt_vars=dbt_vars)
        if portable:
            raise ValueError("the portable rule is measured on DuckDB")
        if engine == "postgres":
            return run_costcalc_postgres(recs, Path(d), dbt_vars=dbt_vars)
        if engine == "spark":
            return run_costcalc_spark(recs, Path(d), dbt_vars=dbt_vars)
    raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")


def truth_of(recs: list[dict]) -> pd.DataFrame:
    """The ground truth of labelled records: (record_key, person_id)."""
    return pd.DataFrame({"record_key": [r["record_key"] for r in recs], "person_id": [r["person_id"] for r in recs]})


def _street_line(address: str | None) -> str | None:
    """The street line of an address as costcalc's matching keys it (macros/matching/
    match_address_key.sql): the first line, joined to the second when it is only a number."""
    lines = [re.sub(r"[^A-Z0-9]", "", x.upper()) for x in (address or "").split(", ")]
    for long, short in (("APARTMENT", "FLAT"), ("STREET", "ST"), ("ROAD", "RD"), ("AVENUE", "AVE")):
        lines = [x.replace(long, short) for x in lines]
    if not lines or not lines[0]:
        return None
    if re.sub(r"[0-9]", "", lines[0]) in ("", "FLAT", "FLT", "UNIT", "ROOM", "APT", "NO") and len(lines) > 1:
        return lines[0] + lines[1]
    return lines[0]


def run_splink(recs: list[dict], thresholds: list[float],
               no_numbers: bool = False, with_address: bool = False) -> list[tuple[float, pd.DataFrame, float]]:
    """Splink on the records; no_numbers: data without NHS/NI numbers (FEBRL), so the prior
    comes from exact agreement on names and date of birth, and no number is compared;
    with_address: the street line of the address compared too (Jaro-Winkler tiers with
    term frequencies) and in blocking, as costcalc compares and blocks it."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = pd.DataFrame([{
        "unique_id": r["record_key"],
        "surname": re.sub(r"[^A-Z]", "", (r["surname"] or "").upper()) or None,
        "first_name": re.sub(r"[^A-Z]", "", (r["firstname"] or "").upper()) or None,
        "dob": r["dob"].isoformat() if r["dob"] else None,
        "postcode": (r["postcode"] or "").upper() or None,
        "nhs_number": r["nhs_number"] if r.get("nhs_number") and matchgen.nhs_check_digit(r["nhs_number"][:9]) is not None
        and str(matchgen.nhs_check_digit(r["nhs_number"][:9])) == r["nhs_number"][9] else None,
        "ni_number": r["ni_number"][:8] if r.get("ni_number") and re.fullmatch(
            r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]?", r["ni_number"]) else None,
        "address": _street_line(r.get("address")),
    } for r in recs])
    t = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("nhs_number"), block_on("ni_number"),
            block_on("dob", "substr(surname, 1, 3)"), block_on("dob", "postcode"),
            block_on("dob", "first_name"), block_on("surname", "first_name", "substr(dob, 1, 4)"),
            block_on("surname", "postcode"),
            *([block_on("surname", "address"), block_on("first_name", "address"), block_on("first_name", "postcode")]
              if with_address else []),
        ],
        comparisons=[
            *([] if no_numbers else [cl.ExactMatch("nhs_number"), cl.ExactMatch("ni_number")]),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            *([cl.JaroWinklerAtThresholds("address", [0.92]).configure(term_frequency_adjustments=True)]
              if with_address else []),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("surname", "first_name", "dob")] if no_numbers
        else [block_on("nhs_number"), block_on("ni_number")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname", "first_name"))
    preds = linker.inference.predict(threshold_match_probability=min(thresholds))
    trained = time.perf_counter() - t
    results = []
    for threshold in thresholds:
        t = time.perf_counter()
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(preds, threshold)
        out = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
        results.append((threshold, out.rename(columns={"unique_id": "record_key", "cluster_id": "cluster"}),
                        trained + time.perf_counter() - t))
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=20170401)
    ap.add_argument("--splink-threshold", type=float, action="append",
                    help="Splink match probability for clustering (repeatable; default 0.9, 0.99, 0.999)")
    ap.add_argument("--skip", action="append", default=[], choices=["exact", "splink", "costcalc", "portable"])
    ap.add_argument("--postgres", action="store_true",
                    help="also run costcalc's models on PostgreSQL (the server the COSTCALC_PG_* variables name)")
    ap.add_argument("--spark", action="store_true",
                    help="also run costcalc's models on Spark (a local session; needs Java 17 and pyspark)")
    ap.add_argument("--keep", metavar="DIR", type=lambda p: str(Path(p).resolve()),
                    help="keep costcalc's dbt project and warehouse in DIR (and print per-model times)")
    args = ap.parse_args()

    t = time.perf_counter()
    recs = matchgen.generate(args.records, args.seed)
    truth = truth_of(recs)
    print(f"{len(recs):,} identity records of {truth.person_id.nunique():,} people "
          f"(generated in {time.perf_counter() - t:.1f} s)")
    rows = []
    if "exact" not in args.skip:
        t = time.perf_counter()
        a = run_exact_2017(recs)
        rows.append(("2017 exact rule (surname+dob+postcode)", *pair_scores(a, truth), time.perf_counter() - t))
    if "splink" not in args.skip:
        for threshold, a, secs in run_splink(recs, args.splink_threshold or [0.9, 0.99, 0.999]):
            rows.append((f"Splink 5 (DuckDB, EM, clusters at p>={threshold})", *pair_scores(a, truth), secs))
    if "costcalc" not in args.skip:
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            a, secs = run_costcalc(recs, Path(args.keep))
        else:
            a, secs = run_engine("duckdb", recs)
        rows.append(("costcalc SQL (dbt run on DuckDB)", *pair_scores(a, truth), secs))
    for engine, name in (("postgres", "PostgreSQL"), ("spark", "Spark")):
        if getattr(args, engine):
            a, secs = run_engine(engine, recs)
            rows.append((f"costcalc SQL (dbt run on {name})", *pair_scores(a, truth), secs))
    if "portable" not in args.skip:
        a, secs = run_engine("duckdb", recs, portable=True)
        rows.append(("costcalc SQL, portable fallbacks only (as on SQL Server before 2025)",
                     *pair_scores(a, truth), secs))
    if args.keep:
        import json
        res = json.loads((Path(args.keep) / "dbt" / "target" / "run_results.json").read_text())
        for r in res["results"]:
            print(f"  {r['unique_id'].split('.')[-1]:<24} {r['execution_time']:6.1f} s")
    print()
    print("| method | precision | recall | F1 | run time (s) |")
    print("|---|---|---|---|---|")
    for name, p, r, f, secs in rows:
        print(f"| {name} | {p:.4f} | {r:.4f} | {f:.4f} | {secs:.1f} |")


if __name__ == "__main__":
    main()
