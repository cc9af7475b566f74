"""costcalc on Spark through dbt-spark's session method (a local pyspark
session): the DuckDB end-to-end scenario (load, dbt build with its tests,
reports, lookup) in one test, since starting the JVM and building on Spark
is slow. Marked ``slow``; it still runs in ``make test``.

The Spark warehouse (parquet tables and a Derby metastore) lives in a
temporary COSTCALC_SPARK_DIR; the session is stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import dbt.adapters.spark  # noqa: F401 (dbt-spark's session method; `make test` installs it)
import pyspark  # noqa: F401
import pytest

from helpers import e2e_demo

pytestmark = pytest.mark.slow


def _java_or_skip():
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (pyspark needs Java 17): install openjdk-17-jre-headless")


@pytest.fixture(scope="module")
def spark_e2e():
    _java_or_skip()
    # its own folder, not pytest's numbered ones (another pytest run may rotate those away
    # during this long test)
    root = Path(tempfile.mkdtemp(prefix="costcalc_spark_e2e_"))
    env = {"COSTCALC_SPARK_DIR": str(root / "spark")}
    with e2e_demo.target_env("spark", **env):
        from costcalc.warehouse.engines import spark_session

        session = spark_session()
        try:
            ns = e2e_demo.run_scenario(root, "spark", env)  # the borough of tests/test_e2e_demo.py
            yield ns
        finally:
            session.stop()
            shutil.rmtree(root, ignore_errors=True)


def test_the_whole_project_on_spark(spark_e2e):
    e2e = spark_e2e
    assert e2e.con.spark.version.startswith("4")
    formats = {r[0] for r in e2e.con.spark.sql("DESCRIBE TABLE EXTENDED raw.load_log").collect()}
    assert "Provider" in formats  # a datasource (parquet) table, not a Hive text table
    with e2e_demo.target_env("spark", **e2e.env):
        e2e_demo.check_everything(e2e)
    # Spark's 'transaction': a load's rows and its load-log row are written together at commit
    loads = e2e.con.execute("select count(*) from raw.load_log where status = 'loaded'").fetchone()[0]
    assert loads == len(e2e.data.files)


def _spark_snapshot(spark) -> tuple:
    row = spark.sql("select (select build_id from marts.build_info), "
                    "(select coalesce(sum(cost), 0) from marts.fct_cost_monthly), "
                    "(select coalesce(sum(total_cost), 0) from marts.rpt_spend_by_client)").collect()[0]
    return int(row[0]), float(row[1]), float(row[2])


def _marts_objects(spark) -> dict:
    return {t.name: t.tableType for t in spark.catalog.listTables("marts") if not t.isTemporary}


def test_spark_publishes_by_table_swaps_and_keeps_the_snapshot_through_a_failed_build(spark_e2e, tmp_path):
    """dbt builds the marts in marts_build; publishing renames each table to
    marts_build.<table>__b<build id> and points the view marts.<table> at it. The
    build log is kept on Spark too (append-only). A failed build leaves the
    published marts and records a build owed. The next publish swaps the views
    while a reader keeps querying: it never errors and sees only the two builds;
    the previous build's tables stay for readers still on them, older ones go.

    (A whole second dbt build on Spark takes too long on the test machine, so the
    failed build is a seed-only one, and the next build's marts_build tables are
    copies of the published ones; the publish itself is the real one.)"""
    import threading

    from click.testing import CliRunner

    from costcalc.cli import main
    from costcalc.transform import build_state, publish

    e2e = spark_e2e
    spark = e2e.con.spark
    with e2e_demo.target_env("spark", **e2e.env):
        st = build_state.read_status(e2e.warehouse)
        published = st.published_build
        assert published is not None and not st.owed, st
        marts = _marts_objects(spark)
        assert "fct_cost_monthly" in marts and "build_info" in marts
        assert set(marts.values()) == {"VIEW"}, marts
        built = {t.name for t in spark.catalog.listTables("marts_build")}
        assert f"fct_cost_monthly__b{published}" in built and "fct_cost_monthly" not in built
        before = _spark_snapshot(spark)
        assert before[0] == published and before[1] > 0 and before[1] == pytest.approx(before[2])
        log = [tuple(r) for r in spark.sql("select build_id, status from raw.build_log").collect()]
        assert (published, "running") in log and (published, "published") in log  # append-only

        # a project directory whose age_bands seed cannot load (a row with five values for
        # four columns): the build fails there
        broken = tmp_path / "broken_project"
        (broken / "seeds").mkdir(parents=True)
        (broken / "seeds" / "age_bands.csv").write_text("age_band,min_age,max_age,sort_order\n0-17,0,17,1,9\n")
        with e2e_demo.target_env("spark", COSTCALC_PROJECT_DIR=str(broken)):
            res = CliRunner().invoke(main, ["--target", "spark", "build", "--select", "age_bands"])
        assert res.exit_code == 1 and "a build is owed" in res.output and "age_bands" in res.output, res.output
        assert _spark_snapshot(spark) == before
        st = build_state.read_status(e2e.warehouse)
        assert st.published_build == published and st.owed
        assert st.last_attempt[1] == "failed" and "age_bands" in st.last_attempt[3]
        status = CliRunner().invoke(main, ["--target", "spark", "status"])
        assert status.exit_code == 3 and "Build owed: yes" in status.output, status.output

        # the next build: what dbt leaves in marts_build, then the real publish
        tables = [t for t in marts if t != "build_info"]
        for t in tables:
            spark.sql(f"create table marts_build.{t} using parquet as select * from marts_build.{t}__b{published}")
        seen, errors, stop = set(), [], threading.Event()

        def reader():
            while not stop.is_set():
                try:
                    seen.add(_spark_snapshot(spark)[0])
                except Exception as exc:  # noqa: BLE001 - the test's point is that none happens
                    errors.append(repr(exc))

        t = threading.Thread(target=reader)
        t.start()
        try:
            build_id, last_load = build_state.start(e2e.warehouse)
            con = e2e.con
            publish.publish_spark(con, build_id, last_load)
            build_state.finish(e2e.warehouse, build_id, "published")
            stop.wait(2)
        finally:
            stop.set()
            t.join()
        after = _spark_snapshot(spark)
        assert after[0] == build_id > before[0] and after[1] == pytest.approx(before[1])
        assert errors == [] and seen <= {before[0], after[0]} and after[0] in seen, (errors, seen)
        status = CliRunner().invoke(main, ["--target", "spark", "status"])
        assert status.exit_code == 0 and "Build owed: no" in status.output, status.output
        built = {t.name for t in spark.catalog.listTables("marts_build")}
        # this build's tables and the previous snapshot's (a reader may still be on them), nothing else
        assert {f"fct_cost_monthly__b{after[0]}", f"fct_cost_monthly__b{before[0]}"} <= built
        assert "fct_cost_monthly" not in built
        # a third publish drops the first snapshot's tables
        for t in tables:
            spark.sql(f"create table marts_build.{t} using parquet as select * from marts_build.{t}__b{build_id}")
        third, last_load = build_state.start(e2e.warehouse)
        publish.publish_spark(e2e.con, third, last_load)
        build_state.finish(e2e.warehouse, third, "published")
        built = {t.name for t in spark.catalog.listTables("marts_build")}
        assert f"fct_cost_monthly__b{before[0]}" not in built
        assert {f"fct_cost_monthly__b{third}", f"fct_cost_monthly__b{build_id}"} <= built
        assert _spark_snapshot(spark)[0] == third


def test_spark_fuzzy_name_macros_decide_as_duckdb(spark_e2e):
    """Spark has levenshtein but no Jaro-Winkler: costcalc's higher-order-function
    version of it, and its one-edit test, equal DuckDB's jaro_winkler_similarity and
    damerau_levenshtein(a, b) = 1 on generated names and their typos (in the session
    the scenario started: one JVM per test run)."""
    import duckdb

    from test_matching_engine_parity import engine_macro, name_pairs

    spark = spark_e2e.con.spark
    pairs = [p for p in name_pairs(1500) if p[0] != p[1]]
    spark.createDataFrame(pairs, "a string, b string").createOrReplaceTempView("name_pairs")
    jw = engine_macro("match_jaro_winkler", "spark", "a", "b")
    edit = engine_macro("match_one_edit", "spark", "a", "b")
    got = {(r[0], r[1]): (r[2], r[3]) for r in spark.sql(f"select a, b, {jw}, {edit} from name_pairs").collect()}
    spark.catalog.dropTempView("name_pairs")
    duck = duckdb.connect()
    duck.execute("create table p (a varchar, b varchar)")
    duck.executemany("insert into p values (?, ?)", pairs)
    want = {(a, b): (j, e) for a, b, j, e in duck.execute(
        "select a, b, jaro_winkler_similarity(a, b), damerau_levenshtein(a, b) = 1 from p").fetchall()}
    assert len(want) > 2000 and set(got) == set(want)
    assert [k for k in want if abs(got[k][0] - want[k][0]) > 1e-9 or got[k][1] != want[k][1]] == []
    assert got[("CLAIRE", "CLAIRI")][0] >= 0.92 and got[("JON", "JOHN")][0] >= 0.92
