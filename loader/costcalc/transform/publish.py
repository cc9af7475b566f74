"""Publish the marts: readers never see half a build, and never block a writer.

``build_and_publish(warehouse)`` is what ``costcalc build``, the watched folder
and the demo run: it records the build in ``raw.build_log``, runs dbt (models
and their tests), and only when every node succeeded publishes the public
marts as one consistent snapshot. A failed or interrupted build leaves the
previous snapshot in place; the build log then says a build is owed, which
model failed and which files were loaded since the last published build
(``costcalc status``, ``costcalc.transform.build_state``).

Per engine (docs/engines.md, docs/warehouse.md#publishing):

- DuckDB: dbt builds in the warehouse file; the ``marts`` schema is then
  copied into a new file beside it and renamed (``os.replace``) onto
  ``<warehouse stem>.published.duckdb``. Readers open that file read-only;
  one that has it open keeps reading the snapshot it opened.
- PostgreSQL / SQL Server: dbt builds the marts into ``marts_build``
  (``macros/generate_schema_name.sql``); publishing swaps it with ``marts``
  in one transaction.
- Spark: dbt builds the marts into ``marts_build`` too. Spark has no
  multi-table transaction and cannot rename a table into another database,
  so each built table is renamed to a versioned name in ``marts_build``
  (``<table>__b<build id>``) and ``marts.<table>`` is a view over it,
  replaced table by table (``ALTER VIEW ... AS``, one metastore update
  each), ``build_info`` last. Each table a reader sees is whole, but during
  the swap (well under a second for the dozen views) a reader may see some
  tables of the new build beside others of the previous one; the previous
  build's tables are kept until the next publish, so a query that started
  on them finishes (docs/engines.md#publishing-per-engine).

Only the ``marts`` schema is ever published: no personal data by construction
(the personal identifiers live in ``restricted``); :func:`check_public_columns`
refuses to publish a marts column named like a personal identifier.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from costcalc.transform import build_state
from costcalc.transform.build import BuildResult, build

PUBLIC_SCHEMA = "marts"
BUILD_SCHEMA = "marts_build"  # where dbt builds the marts on PostgreSQL / SQL Server / Spark
BUILD_INFO = "build_info"  # one row in every published snapshot: which build it is
SPARK_VERSION_MARK = "__b"  # marts_build.<table>__b<build id>: one published version of a table

#: Column names that would carry personal data (the identity fields of
#: docs/contract.md §5 and the loader's personal columns): never in the marts.
PERSONAL_COLUMN_NAMES = frozenset({
    "surname", "surname_norm", "firstname", "firstname_norm", "forename", "dob", "date_of_birth",
    "postcode", "postcode_norm", "address", "address1", "address2", "address3", "address4",
    "nhs_number", "nhsno", "ni_number", "ni", "nino", "reference", "extref", "pin", "uprn",
    "record_key", "cluster_key",
    "dwelling_key", "address_key", "family_id",  # households (docs/households.md): an address, a family reference
})


class PublishError(RuntimeError):
    """The marts could not be published (the previous snapshot stays)."""


def published_path(warehouse: str | os.PathLike) -> Path:
    """Where the published snapshot of a DuckDB warehouse lives:
    ``warehouse/costcalc.duckdb`` -> ``warehouse/costcalc.published.duckdb``."""
    w = Path(warehouse)
    return w.with_name(f"{w.stem}.published.duckdb")


def _personal_columns(con, schema: str) -> list[str]:
    from costcalc.schemas import load_schemas

    personal = set(PERSONAL_COLUMN_NAMES)
    for s in load_schemas().values():
        personal |= {c.name.lower() for c in s.columns if getattr(c, "personal", False)}
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?",
                       [schema]).fetchall()
    return sorted(f"{t}.{c}" for t, c in rows if str(c).lower() in personal)


def check_public_columns(con, schema: str = PUBLIC_SCHEMA) -> None:
    """Refuse to publish a marts column named like a personal identifier."""
    bad = _personal_columns(con, schema)
    if bad:
        raise PublishError(f"not published: {', '.join(bad)} would put personal data in the public marts")


# --------------------------------------------------------------------------- DuckDB


def _tables(con, schema: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_catalog = "
        "current_database() ORDER BY table_name", [schema]).fetchall()]


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_duckdb(warehouse: str | os.PathLike, build_id: int, last_load_id: int | None) -> Path:
    """Copy the warehouse's ``marts`` into a new file and rename it onto the
    published path (atomic: readers see the old snapshot or the new one)."""
    import duckdb

    from costcalc.warehouse.connection import open_warehouse, quote, transaction

    warehouse = Path(warehouse)
    target = published_path(warehouse)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    for stale in target.parent.glob(f"{target.name}.*.tmp"):  # left by a killed publish
        _remove(stale)
    con = open_warehouse("duckdb", warehouse)
    try:
        tables = _tables(con, PUBLIC_SCHEMA)
        if not tables:
            raise PublishError("not published: the build made no marts")
        check_public_columns(con)
        con.execute(f"ATTACH {_literal(str(tmp))} AS costcalc_publish")
        try:
            con.execute("CREATE SCHEMA costcalc_publish.marts")
            with transaction(con):
                for t in tables:
                    con.execute(f"CREATE TABLE costcalc_publish.marts.{quote(t)} AS "
                                f"SELECT * FROM {PUBLIC_SCHEMA}.{quote(t)}")
                _write_build_info(con, "costcalc_publish.marts", build_id, last_load_id)
            con.execute("CHECKPOINT costcalc_publish")
        finally:
            try:
                con.execute("DETACH costcalc_publish")
            except duckdb.Error:
                pass
    except BaseException:
        con.close()
        _remove(tmp)
        raise
    con.close()
    _fsync(tmp)
    os.replace(tmp, target)  # the publish: one rename
    _fsync(target.parent)
    return target


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write_build_info(con, schema: str, build_id: int, last_load_id: int | None) -> None:
    con.execute(f"CREATE TABLE {schema}.{BUILD_INFO} (build_id BIGINT, published_at TIMESTAMP, "
                "last_load_id BIGINT)")
    con.execute(f"INSERT INTO {schema}.{BUILD_INFO} VALUES (?, CAST(current_timestamp AS TIMESTAMP), ?)",
                [build_id, last_load_id])


# --------------------------------------------------------------------------- servers


def postgres_swap_statements(build_id: int, analyst_roles: bool = True) -> list[str]:
    """The PostgreSQL statements that publish ``marts_build`` as ``marts`` (run
    in one transaction); the previous snapshot is kept as ``marts_old_<id>`` and
    dropped afterwards."""
    old = f"marts_old_{int(build_id)}"
    out = [
        f"DROP SCHEMA IF EXISTS {old} CASCADE",
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'marts') THEN "
        f"EXECUTE 'ALTER SCHEMA marts RENAME TO {old}'; END IF; END $$",
        f"ALTER SCHEMA {BUILD_SCHEMA} RENAME TO marts",
    ]
    if analyst_roles:  # docs/roles: the grants belong to the schema, so give them to the new one
        out.append(
            "DO $$ BEGIN "
            "IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'costcalc_analyst') THEN "
            "GRANT USAGE ON SCHEMA marts TO costcalc_analyst; "
            "GRANT SELECT ON ALL TABLES IN SCHEMA marts TO costcalc_analyst; END IF; "
            "IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'costcalc_caseworker') THEN "
            "GRANT USAGE ON SCHEMA marts TO costcalc_caseworker; "
            "IF to_regclass('marts.dim_client') IS NOT NULL THEN "
            "GRANT SELECT ON marts.dim_client TO costcalc_caseworker; END IF; END IF; "
            "IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'costcalc_admin') THEN "
            "GRANT ALL ON SCHEMA marts TO costcalc_admin; "
            "GRANT ALL ON ALL TABLES IN SCHEMA marts TO costcalc_admin; END IF; END $$")
    return out


def sqlserver_swap_statements(old_tables: list[str], new_tables: list[str], build_id: int) -> list[str]:
    """The T-SQL batch that publishes ``marts_build`` as ``marts`` (one
    transaction: ALTER SCHEMA ... TRANSFER moves each table; the old snapshot's
    tables go to ``marts_old`` and are dropped after the commit)."""
    out = ["SET XACT_ABORT ON", "BEGIN TRANSACTION",
           "IF SCHEMA_ID('marts_old') IS NULL EXEC('CREATE SCHEMA marts_old')",
           "IF SCHEMA_ID('marts') IS NULL EXEC('CREATE SCHEMA marts')"]
    for t in old_tables:
        out.append(f"IF OBJECT_ID('marts_old.[{t}]') IS NOT NULL DROP TABLE marts_old.[{t}]")
        out.append(f"ALTER SCHEMA marts_old TRANSFER marts.[{t}]")
    for t in new_tables:
        out.append(f"ALTER SCHEMA marts TRANSFER {BUILD_SCHEMA}.[{t}]")
    out.append("COMMIT TRANSACTION")
    out += [f"DROP TABLE marts_old.[{t}]" for t in old_tables]
    return out


def publish_server(con, build_id: int, last_load_id: int | None, dialect: str) -> None:
    """Swap ``marts_build`` into ``marts`` on PostgreSQL / SQL Server."""
    have = {r[0] for r in con.execute("SELECT schema_name FROM information_schema.schemata").fetchall()}
    if BUILD_SCHEMA not in have:
        raise PublishError("not published: the build made no marts")
    check_public_columns(con, BUILD_SCHEMA)
    con.execute(f"DROP TABLE IF EXISTS {BUILD_SCHEMA}.{BUILD_INFO}")
    con.execute(f"CREATE TABLE {BUILD_SCHEMA}.{BUILD_INFO} (build_id BIGINT, published_at TIMESTAMP, "
                "last_load_id BIGINT)")
    con.execute(f"INSERT INTO {BUILD_SCHEMA}.{BUILD_INFO} VALUES (?, CURRENT_TIMESTAMP, ?)",
                [build_id, last_load_id])
    if dialect == "postgres":
        _native(con, ["BEGIN", *postgres_swap_statements(build_id), "COMMIT"])
        _drop_old_postgres(con)
    else:
        old = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                         "WHERE table_schema = 'marts'").fetchall()]
        new = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                         f"WHERE table_schema = '{BUILD_SCHEMA}'").fetchall()]
        _native(con, ["\n".join(sqlserver_swap_statements(old, new, build_id))])


def _native(con, statements: list[str]) -> None:
    """Run engine-specific statements as they are (no translation); on an error
    roll back what is open."""
    cur = con.raw.cursor()
    try:
        for sql in statements:
            cur.execute(sql)
    except BaseException:
        try:
            cur.execute("ROLLBACK") if con.dialect == "postgres" else \
                cur.execute("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION")
        except Exception:  # noqa: BLE001 - the connection is going away anyway
            pass
        raise
    finally:
        cur.close()


def _drop_old_postgres(con) -> None:
    """Drop earlier snapshots, without waiting behind a reader that still holds one."""
    cur = con.raw.cursor()
    try:
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'marts_old_%'")
        for (name,) in cur.fetchall():
            try:
                cur.execute("BEGIN")
                cur.execute("SET LOCAL lock_timeout = '2s'")
                cur.execute(f'DROP SCHEMA "{name}" CASCADE')
                cur.execute("COMMIT")
            except Exception:  # noqa: BLE001 - a reader still has it: dropped by the next publish
                cur.execute("ROLLBACK")
    finally:
        cur.close()


# --------------------------------------------------------------------------- Spark


def _version(table: str) -> tuple[str, int] | None:
    """``fct_cost_monthly__b12`` -> ("fct_cost_monthly", 12); a built table -> None."""
    base, sep, build = table.rpartition(SPARK_VERSION_MARK)
    return (base, int(build)) if sep and base and build.isdigit() else None


def spark_publish_statements(built: list[str], build_id: int, marts_tables: list[str],
                             marts_views: list[str] = ()) -> list[str]:
    """The Spark SQL statements that publish the tables dbt built in ``marts_build``
    (``built``, build_info included) as build ``build_id``: rename each to its
    versioned name, then point the view ``marts.<table>`` at it, build_info's view
    last. An existing view is changed with ``ALTER VIEW ... AS`` (one metastore
    update; Spark's ``CREATE OR REPLACE VIEW`` drops the view and creates it again,
    so a reader could find it missing in between). ``marts_tables`` are the
    *tables* (not views) in ``marts``: left by a Spark build from before publishing
    existed; each is dropped just before its view is created."""
    bid = int(build_id)
    order = sorted(t for t in built if t != BUILD_INFO) + [BUILD_INFO]
    out = []
    for t in order:
        out.append(f"DROP TABLE IF EXISTS `{BUILD_SCHEMA}`.`{t}{SPARK_VERSION_MARK}{bid}`")
        out.append(f"ALTER TABLE `{BUILD_SCHEMA}`.`{t}` RENAME TO `{BUILD_SCHEMA}`.`{t}{SPARK_VERSION_MARK}{bid}`")
    out.append(f"CREATE DATABASE IF NOT EXISTS `{PUBLIC_SCHEMA}`")
    for t in order:
        source = f"SELECT * FROM `{BUILD_SCHEMA}`.`{t}{SPARK_VERSION_MARK}{bid}`"
        if t in marts_views:
            out.append(f"ALTER VIEW `{PUBLIC_SCHEMA}`.`{t}` AS {source}")
            continue
        if t in marts_tables:
            out.append(f"DROP TABLE `{PUBLIC_SCHEMA}`.`{t}`")
        out.append(f"CREATE VIEW `{PUBLIC_SCHEMA}`.`{t}` AS {source}")
    return out


def _spark_tables(spark, database: str) -> dict[str, str]:
    """name -> 'VIEW' / 'MANAGED' / 'EXTERNAL' for the database's persistent tables."""
    if not spark.catalog.databaseExists(database):
        return {}
    return {t.name: t.tableType for t in spark.catalog.listTables(database) if not t.isTemporary}


def publish_spark(con, build_id: int, last_load_id: int | None) -> None:
    """Publish ``marts_build`` as build ``build_id`` by per-table view swaps (see
    the module doc for what a reader can see meanwhile), then drop the versions
    no view points at, except the previous build's."""
    spark = con.spark
    in_build = _spark_tables(spark, BUILD_SCHEMA)
    built = [t for t, kind in in_build.items() if kind != "VIEW" and _version(t) is None and t != BUILD_INFO]
    if not built:
        raise PublishError("not published: the build made no marts")
    check_public_columns(con, BUILD_SCHEMA)
    previous = None
    try:
        previous = spark.sql(f"SELECT max(build_id) FROM `{PUBLIC_SCHEMA}`.`{BUILD_INFO}`").collect()[0][0]
    except Exception:  # noqa: BLE001 - nothing published yet
        pass
    spark.sql(f"DROP TABLE IF EXISTS `{BUILD_SCHEMA}`.`{BUILD_INFO}`")
    spark.sql(f"CREATE TABLE `{BUILD_SCHEMA}`.`{BUILD_INFO}` (build_id BIGINT, published_at TIMESTAMP, "
              "last_load_id BIGINT) USING parquet")
    con.execute(f"INSERT INTO {BUILD_SCHEMA}.{BUILD_INFO} VALUES (?, CAST(current_timestamp AS TIMESTAMP), ?)",
                [int(build_id), last_load_id])
    public = _spark_tables(spark, PUBLIC_SCHEMA)
    for sql in spark_publish_statements(built + [BUILD_INFO], build_id,
                                        [t for t, kind in public.items() if kind != "VIEW"],
                                        [t for t, kind in public.items() if kind == "VIEW"]):
        spark.sql(sql)
    # a mart the project no longer builds: its view goes (after build_info, like the rest)
    for t, kind in public.items():
        if kind == "VIEW" and t not in built and t != BUILD_INFO:
            spark.sql(f"DROP VIEW IF EXISTS `{PUBLIC_SCHEMA}`.`{t}`")
    keep = {int(build_id)} | ({int(previous)} if previous is not None else set())
    for t in _spark_tables(spark, BUILD_SCHEMA):
        v = _version(t)
        if v is not None and v[1] not in keep:
            spark.sql(f"DROP TABLE IF EXISTS `{BUILD_SCHEMA}`.`{t}`")


# --------------------------------------------------------------------------- build, then publish


class BuildInterrupted(KeyboardInterrupt):
    """The build was stopped by SIGTERM (Ctrl-C raises KeyboardInterrupt itself)."""


@contextmanager
def _sigterm_interrupts():
    """While building in the main thread, SIGTERM stops dbt the way Ctrl-C does
    (unless the caller handles SIGTERM itself, as the watcher does: it stops
    after the current build). Yields a list that holds the signal once received: dbt
    may swallow the exception (e.g. as "Connection already closed"), so the caller
    checks it after the build too."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield received
        return

    def handler(signum, frame):
        received.append(signum)
        raise BuildInterrupted()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def build_and_publish(warehouse: str | os.PathLike, select: str | None = None, *,
                      target_path: Path | None = None, full_refresh: bool = False,
                      unit_tests: bool = False) -> BuildResult:
    """Build (``dbt build``: models and tests), then publish the marts if every
    node succeeded and the whole project was built (a ``--select`` build never
    publishes: its marts may mix two builds; ``full_refresh``, ``unit_tests``: see ``build``). Records the outcome in
    ``raw.build_log``; an interruption is recorded and re-raised. On PostgreSQL and SQL Server
    the caseworkers' grants on tables the build made again are then renewed
    (costcalc.warehouse.roles.grant_rebuilt)."""
    from costcalc.warehouse.targets import target_name

    target = target_name()
    result = _build_and_publish(warehouse, select, target, target_path=target_path, full_refresh=full_refresh,
                                unit_tests=unit_tests)
    if target in ("postgres", "sqlserver") and result.build_id is not None:
        _renew_grants(warehouse, target, result)
    return result


def _renew_grants(warehouse, target: str, result: BuildResult) -> None:
    from costcalc.warehouse.connection import open_warehouse
    from costcalc.warehouse.roles import grant_rebuilt

    try:
        con = open_warehouse(target, warehouse)
        try:
            grant_rebuilt(con, target)
        finally:
            con.close()
    except Exception as exc:  # noqa: BLE001 - the build stands; say what to do
        result.notes.append(f"the caseworkers' grants were not renewed ({type(exc).__name__}): run "
                            "`costcalc setup-roles` before caseworkers use `match explain|review`")


def _build_and_publish(warehouse, select, target: str, *, target_path, full_refresh, unit_tests) -> BuildResult:
    try:
        build_id, last_load_id = build_state.start(warehouse)
    except Exception as exc:  # noqa: BLE001 - a folder, a busy or unreadable warehouse: say why
        from costcalc.transform.build import warehouse_problem

        return BuildResult(success=False, error=warehouse_problem(warehouse, exc))
    try:
        with _sigterm_interrupts() as terminated:
            result = build(warehouse, select, target_path=target_path, full_refresh=full_refresh,
                           unit_tests=unit_tests)
            if terminated:  # dbt swallowed the interruption: it is still one
                raise BuildInterrupted()
            result.build_id = build_id
            if not result.success:
                build_state.finish(warehouse, build_id, "failed", failed_models=result.failed_models(),
                                   message=result.error or (result.failures[0] if result.failures else None))
                result.notes.append(build_state.owed_note(warehouse))
                return result
            if select is not None:
                build_state.finish(warehouse, build_id, "built")
                result.notes.append("not published: a --select build publishes nothing "
                                    "(run `costcalc build` without --select to publish)")
                return result
            try:
                if target == "duckdb":
                    publish_duckdb(warehouse, build_id, last_load_id)
                else:
                    from costcalc.warehouse.connection import open_warehouse

                    con = open_warehouse(target, warehouse)
                    try:
                        if target == "spark":
                            publish_spark(con, build_id, last_load_id)
                        else:
                            publish_server(con, build_id, last_load_id, target)
                    finally:
                        con.close()
            except PublishError as exc:
                result.success = False
                result.error = str(exc)
                build_state.finish(warehouse, build_id, "failed", message=str(exc))
                return result
            build_state.finish(warehouse, build_id, "published")
            result.published = True
            result.notes.append(f"published build {build_id}")
            return result
    except BaseException:
        build_state.finish_quietly(warehouse, build_id, "interrupted")
        raise
