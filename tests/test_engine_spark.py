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
