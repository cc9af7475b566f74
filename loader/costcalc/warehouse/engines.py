"""Warehouse engines: one small connection interface over DuckDB, PostgreSQL,
SQL Server and Spark.

The loader, the reports and the lookup are written against DuckDB's Python
API (``con.execute(sql, params).fetchall() / .fetchone() / .df()``,
``con.register(name, dataframe)``, ``BEGIN TRANSACTION`` / ``COMMIT`` /
``ROLLBACK``) with DuckDB SQL and ``?`` parameters. ``server_connection(target)``
returns that interface for each server engine; callers open the warehouse with
``costcalc.warehouse.connection.open_warehouse``, which imports this module only
when a server engine is chosen (it needs sqlglot and the engine's driver, from
the ``engines`` extra). This module imports nothing from ``connection``.

- ``duckdb``   (default): the DuckDB file itself (not this module).
- ``postgres``: psycopg2. Statements are translated (sqlglot, DuckDB -> PostgreSQL)
  and every ``?`` becomes a psycopg2 ``%s`` parameter. A registered DataFrame (or
  pyarrow Table: the loader registers each batch by name before its INSERT) is
  bulk-copied (``COPY ... FROM STDIN``) into a temporary table. Transactions are real.
- ``sqlserver``: pyodbc (ODBC Driver 18). Statements are translated to T-SQL and
  keep ``?`` parameters; a registered DataFrame goes to a ``#temp`` table with
  ``fast_executemany``. Transactions are real.
- ``spark``: a local or cluster Spark session (``pyspark``). Statements are
  translated to Spark SQL with named parameters bound through
  ``spark.sql(sql, args=...)``. Spark has no multi-statement transactions:
  between ``BEGIN TRANSACTION`` and ``COMMIT`` inserts are collected, and
  ``COMMIT`` writes them table by table (each write is one atomic Spark job),
  raw rows first and the ``raw.load_log`` row last, so a load is only visible
  in the load log once all its rows are written (see docs/engines.md).

Parameters are never pasted into SQL text: a list parameter
(``list_contains(CAST(? AS VARCHAR[]), x)``) becomes ``x IN (?, ?, ...)`` with
one parameter per element.

Connection settings come from environment variables (docs/engines.md):
``COSTCALC_PG_HOST/PORT/USER/PASSWORD/DATABASE``,
``COSTCALC_MSSQL_SERVER/PORT/DATABASE/USER/PASSWORD/DRIVER/ENCRYPT/TRUST_CERT``,
``COSTCALC_SPARK_DIR`` (warehouse and metastore folder) and ``COSTCALC_SPARK_MASTER``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import io
import os
import re
import threading
from functools import lru_cache
from pathlib import Path

import pandas as pd
import sqlglot
from sqlglot import exp

from costcalc.warehouse.targets import TARGET_ENV, TARGETS, EngineError, is_server, target_name  # noqa: F401 (re-exported)

DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "sqlserver": "tsql", "spark": "spark"}


# --------------------------------------------------------------------------- settings


def postgres_settings(env=os.environ) -> dict:
    return {
        "host": env.get("COSTCALC_PG_HOST", "localhost"),
        "port": int(env.get("COSTCALC_PG_PORT", "5432")),
        "user": env.get("COSTCALC_PG_USER", "costcalc"),
        "password": env.get("COSTCALC_PG_PASSWORD", ""),
        "dbname": env.get("COSTCALC_PG_DATABASE", "costcalc"),
    }


def sqlserver_connection_string(env=os.environ) -> str:
    driver = env.get("COSTCALC_MSSQL_DRIVER", "ODBC Driver 18 for SQL Server")
    server = env.get("COSTCALC_MSSQL_SERVER", "localhost")
    port = env.get("COSTCALC_MSSQL_PORT", "1433")
    parts = [f"DRIVER={{{driver}}}", f"SERVER={server},{port}",
             f"DATABASE={env.get('COSTCALC_MSSQL_DATABASE', 'costcalc')}",
             f"Encrypt={env.get('COSTCALC_MSSQL_ENCRYPT', 'yes')}",
             f"TrustServerCertificate={env.get('COSTCALC_MSSQL_TRUST_CERT', 'no')}"]
    if env.get("COSTCALC_MSSQL_USER"):
        parts += [f"UID={env['COSTCALC_MSSQL_USER']}", f"PWD={env.get('COSTCALC_MSSQL_PASSWORD', '')}"]
    else:
        parts.append("Trusted_Connection=yes")
    return ";".join(parts)


def spark_dir(env=os.environ) -> Path:
    return Path(env.get("COSTCALC_SPARK_DIR", "warehouse/spark")).expanduser().resolve()


def spark_conf(env=os.environ) -> dict:
    """The Spark settings the loader and dbt's session (profiles.yml) both use."""
    base = spark_dir(env)
    return {
        "spark.sql.warehouse.dir": str(base / "tables"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={base / 'metastore_db'};create=true",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": env.get("COSTCALC_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.ui.enabled": "false",
        # the matching models are deep chains of CTEs (rounds of label propagation)
        "spark.sql.analyzer.maxIterations": "1000",
        "spark.sql.optimizer.maxIterations": "1000",
        "spark.driver.memory": env.get("COSTCALC_SPARK_DRIVER_MEMORY", "2g"),
    }


_SPARK_LOCK = threading.Lock()


def spark_session():
    """The process's Spark session (created once; dbt-spark's session method reuses it)."""
    from pyspark.sql import SparkSession

    with _SPARK_LOCK:
        base = spark_dir()
        base.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder.master(os.environ.get("COSTCALC_SPARK_MASTER", "local[2]"))
        builder = builder.appName("costcalc").config("spark.driver.extraJavaOptions", f"-Dderby.system.home={base}")
        for k, v in spark_conf().items():
            builder = builder.config(k, v)
        session = builder.enableHiveSupport().getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return session


# --------------------------------------------------------------------------- translation


def _is_list(value) -> bool:
    return isinstance(value, (list, tuple))


@lru_cache(maxsize=512)
def _translate(sql: str, dialect: str, list_lengths: tuple, temp_tables: tuple) -> tuple[str, tuple]:
    """DuckDB SQL -> ``dialect``. Returns the statement(s) text, with placeholders
    numbered as markers ``__costcalc_p<i>__`` in order, and for each marker the
    index of the caller's parameter (and element, for list parameters)."""
    # Mark each ? (found by sqlglot's tokenizer, so a ? inside a string is left alone)
    # with a numbered identifier, in text order, before parsing.
    from sqlglot.tokens import TokenType

    tokens = sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql)
    spans = [(t.start, t.end) for t in tokens if t.token_type == TokenType.PLACEHOLDER and t.text == "?"]
    marked, last = [], 0
    for i, (start, end) in enumerate(spans):
        marked += [sql[last:start], f"__costcalc_p{i}__"]
        last = end + 1
    marked.append(sql[last:])
    tree = sqlglot.parse_one("".join(marked), read="duckdb")
    order: list = []
    lengths = dict(enumerate(list_lengths))

    def marker_index(node) -> int | None:
        if isinstance(node, exp.Column) and not node.table and node.name.startswith("__costcalc_p"):
            return int(node.name[len("__costcalc_p"):-2])
        return None

    def expand(node):
        if isinstance(node, exp.ArrayContains):
            arr, item = node.this, node.expression
            inner = arr.this if isinstance(arr, exp.Cast) else arr
            k = marker_index(inner)
            if k is not None and lengths.get(k) is not None:
                n = lengths[k]
                if n == 0:
                    return exp.false()
                return exp.paren(exp.In(this=item.copy(), expressions=[
                    exp.Var(this=f"__costcalc_p{k}_{j}__") for j in range(n)]))
        if dialect != "spark" and isinstance(node, exp.Select) and node.args.get("group") is not None \
                and node.args["group"].args.get("all"):
            # GROUP BY ALL: every select expression that holds no aggregate, by position
            keys = [e.unalias().copy() for e in node.expressions if not e.find(exp.AggFunc)]
            node.set("group", exp.Group(expressions=keys))
        if isinstance(node, exp.Ordered) and isinstance(node.this, exp.Column) and node.this.name.lower() == "rowid":
            return None  # DuckDB's implicit row id: insertion order, absent elsewhere
        if dialect == "tsql" and isinstance(node, exp.Table) and not node.db and node.name in temp_tables:
            return exp.to_table("#" + node.name)
        if dialect == "tsql" and isinstance(node, exp.DataType) and node.this in (
                exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT) and not node.expressions:
            return exp.DataType.build("NVARCHAR(MAX)", dialect="tsql")
        if dialect == "spark" and isinstance(node, exp.ColumnConstraint) and isinstance(
                node.kind, (exp.PrimaryKeyColumnConstraint, exp.DefaultColumnConstraint)):
            return None  # no keys; no sequence defaults (ids are max + 1, see SparkConnection._insert)
        return node

    tree = tree.transform(expand, copy=False)
    if dialect == "spark" and isinstance(tree, exp.Create) and tree.kind == "TABLE" and not tree.expression:
        props = tree.args.get("properties") or exp.Properties(expressions=[])
        props.append("expressions", exp.FileFormatProperty(this=exp.var("PARQUET")))
        tree.set("properties", props)
    text = tree.sql(dialect=dialect)
    if dialect == "spark":
        text = text.replace("TIMESTAMP_NTZ", "TIMESTAMP")
    for i, _ in enumerate(spans):
        n = lengths.get(i)
        if n is None:
            order.append((f"__costcalc_p{i}__", i, None))
        else:
            order.extend((f"__costcalc_p{i}_{j}__", i, j) for j in range(n))
    return text, tuple(order)


def translate(sql: str, dialect: str, params=None, temp_tables=()) -> tuple[str, list]:
    """Translate a DuckDB statement with ``?`` parameters for ``dialect``; returns the
    statement with the dialect's parameter markers and the flat parameter list (for
    spark, a dict of named parameters)."""
    params = list(params or [])
    lengths = tuple(len(p) if _is_list(p) else None for p in params)
    text, order = _translate(sql, dialect, lengths, tuple(sorted(temp_tables)))
    # markers appear in document order; bind them in the order they appear in the text
    positions = sorted(((text.find(marker), marker, i, j) for marker, i, j in order), key=lambda t: t[0])
    if any(pos < 0 for pos, *_ in positions):
        raise AssertionError("a parameter marker was lost in translation")  # a programming error
    values = []
    if dialect == "postgres":
        text = text.replace("%", "%%")
    for n, (_, marker, i, j) in enumerate(positions):
        value = params[i] if j is None else list(params[i])[j]
        if dialect == "postgres":
            text = text.replace(marker, "%s", 1)
        elif dialect == "spark":
            text = text.replace(marker, f":p{n}", 1)
        else:
            text = text.replace(marker, "?", 1)
        values.append(_plain(value))
    if dialect == "spark":
        return text, {f"p{n}": v for n, v in enumerate(values)}
    return text, values


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        try:
            return value.item()
        except (AttributeError, ValueError):
            return value
    return value


# --------------------------------------------------------------------------- results


class Result:
    """DuckDB-like result: fetchall / fetchone / fetchmany / df / description."""

    def __init__(self, rows: list | None, columns: list[str] | None):
        self._rows = list(rows or [])
        self.description = [(c,) for c in columns] if columns is not None else None
        self._pos = 0

    def fetchall(self):
        out = self._rows[self._pos:]
        self._pos = len(self._rows)
        return out

    def fetchone(self):
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    def fetchmany(self, n: int = 1):
        out = self._rows[self._pos:self._pos + n]
        self._pos += len(out)
        return out

    def df(self) -> pd.DataFrame:
        cols = [d[0] for d in self.description or []]
        frame = pd.DataFrame([tuple(r) for r in self._rows[self._pos:]], columns=cols)
        for c in frame.columns:
            s = frame[c].dropna()
            if len(s) and all(isinstance(v, decimal.Decimal) for v in s):
                frame[c] = frame[c].astype("float64")
            elif len(s) and all(isinstance(v, _dt.date) and not isinstance(v, _dt.datetime) for v in s):
                frame[c] = pd.to_datetime(frame[c])
        return frame


# --------------------------------------------------------------------------- connections


_CREATE_IF_NOT_EXISTS = re.compile(r'\s*CREATE\s+(SCHEMA|TABLE|SEQUENCE)\s+IF\s+NOT\s+EXISTS\s+([\w.\"]+)',
                                   re.IGNORECASE)


def _arrow_frame(table) -> pd.DataFrame:
    """A loader batch (pyarrow Table of typed columns) as the DataFrame the engines bulk-load:
    integer columns stay integers, every other column is text ('2024-01-31', '12.5000')."""
    import pyarrow as pa

    data = {}
    for name, col in zip(table.column_names, table.columns):
        if pa.types.is_dictionary(col.type):  # the loader's constant lineage columns
            col = col.cast(col.type.value_type)
        if pa.types.is_integer(col.type) and col.null_count == 0:
            data[name] = col.to_pandas()
        else:
            data[name] = pd.Series(col.cast(pa.string()).to_pylist(), dtype=object)
    return pd.DataFrame(data)


def as_frame(data) -> pd.DataFrame:
    """What ``register`` takes: a DataFrame, or a pyarrow Table (a loader batch)."""
    if isinstance(data, pd.DataFrame):
        return data
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return _arrow_frame(data)
    raise TypeError(f"cannot register a {type(data).__name__}: give a pandas DataFrame or a pyarrow Table")


class _Base:
    dialect = "duckdb"

    def __init__(self):
        self._temp: dict[str, pd.DataFrame] = {}

    def execute(self, sql: str, params=None) -> Result:
        word = sql.strip().rstrip(";").upper()
        if word in ("BEGIN", "BEGIN TRANSACTION"):
            return self.begin()
        if word in ("COMMIT", "COMMIT TRANSACTION"):
            return self.commit()
        if word in ("ROLLBACK", "ROLLBACK TRANSACTION"):
            return self.rollback()
        return self._run(sql, params)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PostgresConnection(_Base):
    dialect = "postgres"

    def __init__(self, settings: dict | None = None):
        super().__init__()
        import psycopg2

        try:
            self.raw = psycopg2.connect(**(settings or postgres_settings()))
        except psycopg2.OperationalError as exc:
            raise EngineError(f"cannot connect to PostgreSQL: {str(exc).strip().splitlines()[0]}") from None
        self.raw.autocommit = True

    def _cursor_result(self, cur) -> Result:
        if cur.description is None:
            return Result([], None)
        return Result(cur.fetchall(), [d[0] for d in cur.description])

    def _exists(self, kind: str, name: str) -> bool:
        with self.raw.cursor() as cur:
            if kind == "SCHEMA":
                cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
            else:
                cur.execute("SELECT to_regclass(%s)", [name])
            row = cur.fetchone()
            return bool(row and row[0])

    def _run(self, sql, params) -> Result:
        # CREATE ... IF NOT EXISTS of an object that exists is skipped, so roles without
        # CREATE rights (uploaders, caseworkers: costcalc.warehouse.roles) can run the loader and lookup.
        m = _CREATE_IF_NOT_EXISTS.match(sql)
        if m and self._exists(m.group(1).upper(), m.group(2)):
            return Result([], None)
        text, values = translate(sql, "postgres", params)
        with self.raw.cursor() as cur:
            cur.execute(text, values or None)
            return self._cursor_result(cur)

    def begin(self):
        with self.raw.cursor() as cur:
            cur.execute("BEGIN")
        return Result([], None)

    def commit(self):
        with self.raw.cursor() as cur:
            cur.execute("COMMIT")
        return Result([], None)

    def rollback(self):
        with self.raw.cursor() as cur:
            cur.execute("ROLLBACK")
        return Result([], None)

    def register(self, name: str, data) -> None:
        """Bulk-copy ``data`` (a DataFrame or pyarrow Table) into a temporary table ``name``
        (COPY ... FROM STDIN)."""
        frame = as_frame(data)
        cols = temp_table_columns(frame, '"{}"', integer="bigint", floating="double precision", text="text")
        buf = io.StringIO()
        frame.to_csv(buf, index=False, header=False)
        buf.seek(0)
        with self.raw.cursor() as cur:
            cur.execute(f'DROP TABLE IF EXISTS pg_temp."{name}"')
            cur.execute(f'CREATE TEMP TABLE "{name}" ({", ".join(cols)})')
            cur.copy_expert(f'COPY "{name}" FROM STDIN WITH (FORMAT csv)', buf)

    def unregister(self, name: str) -> None:
        with self.raw.cursor() as cur:
            cur.execute(f'DROP TABLE IF EXISTS pg_temp."{name}"')

    def close(self) -> None:
        self.raw.close()


def temp_table_columns(frame: pd.DataFrame, quote: str, *, integer: str, floating: str, text: str) -> list[str]:
    """Column definitions for a temporary table holding ``frame``: integer and
    float columns keep their kind, everything else is text (``quote`` wraps
    each name, e.g. ``'"{}"'`` or ``"[{}]"``)."""
    cols = []
    for c, dtype in frame.dtypes.items():
        kind = integer if pd.api.types.is_integer_dtype(dtype) else (
            floating if pd.api.types.is_float_dtype(dtype) else text)
        cols.append(f"{quote.format(c)} {kind}")
    return cols


class SqlServerConnection(_Base):
    dialect = "tsql"

    def __init__(self, connection_string: str | None = None):
        super().__init__()
        import pyodbc

        try:
            self.raw = pyodbc.connect(connection_string or sqlserver_connection_string(), autocommit=True)
        except pyodbc.Error as exc:
            raise EngineError(f"cannot connect to SQL Server: {exc.args[-1] if exc.args else exc}") from None
        self._temps: set[str] = set()

    def _run(self, sql, params) -> Result:
        text, values = translate(sql, "tsql", params, temp_tables=self._temps)
        cur = self.raw.cursor()
        try:
            cur.execute(text, *values)
            if cur.description is None:
                return Result([], None)
            return Result(cur.fetchall(), [d[0] for d in cur.description])
        finally:
            cur.close()

    def begin(self):
        self.raw.cursor().execute("BEGIN TRANSACTION")
        return Result([], None)

    def commit(self):
        self.raw.cursor().execute("IF @@TRANCOUNT > 0 COMMIT TRANSACTION")
        return Result([], None)

    def rollback(self):
        self.raw.cursor().execute("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION")
        return Result([], None)

    def register(self, name: str, data) -> None:
        """Insert ``data`` (a DataFrame or pyarrow Table) into a temporary table ``#name``
        with pyodbc's fast_executemany."""
        frame = as_frame(data)
        cols = temp_table_columns(frame, "[{}]", integer="BIGINT", floating="FLOAT", text="NVARCHAR(MAX)")
        cur = self.raw.cursor()
        cur.execute(f"IF OBJECT_ID('tempdb..#{name}') IS NOT NULL DROP TABLE #{name}")
        cur.execute(f"CREATE TABLE #{name} ({', '.join(cols)})")
        cur.fast_executemany = True
        rows = [tuple(None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else _plain(v)
                      for v in r)
                for r in frame.itertuples(index=False, name=None)]
        if rows:
            cur.executemany(f"INSERT INTO #{name} VALUES ({', '.join('?' * len(cols))})", rows)
        cur.close()
        self._temps.add(name)

    def unregister(self, name: str) -> None:
        self.raw.cursor().execute(f"IF OBJECT_ID('tempdb..#{name}') IS NOT NULL DROP TABLE #{name}")
        self._temps.discard(name)

    def close(self) -> None:
        self.raw.close()


class SparkConnection(_Base):
    """Spark SQL through the process's Spark session (see the module doc for what a
    'transaction' means here)."""

    dialect = "spark"

    def __init__(self, session=None):
        super().__init__()
        self.spark = session or spark_session()
        self._pending: list | None = None

    # information_schema does not exist in Spark's session catalog: emulate the two views used.
    def _information_schema(self, sql: str) -> str:
        if "information_schema" not in sql.lower():
            return sql
        from pyspark.sql import Row

        tables, columns = [], []
        for db in [r[0] for r in self.spark.sql("SHOW DATABASES").collect()]:
            for t in self.spark.sql(f"SHOW TABLES IN `{db}`").collect():
                if t["isTemporary"]:
                    continue
                tables.append(Row(table_schema=db, table_name=t["tableName"]))
        for t in tables:
            if "columns" in sql.lower():
                for i, f in enumerate(self.spark.table(f"`{t.table_schema}`.`{t.table_name}`").schema.fields):
                    columns.append(Row(table_schema=t.table_schema, table_name=t.table_name,
                                       column_name=f.name, ordinal_position=i + 1))
        schema_t = "table_schema string, table_name string"
        self.spark.createDataFrame(tables, schema_t).createOrReplaceTempView("_costcalc_is_tables")
        self.spark.createDataFrame(
            columns, schema_t + ", column_name string, ordinal_position int").createOrReplaceTempView(
            "_costcalc_is_columns")
        return (sql.replace("information_schema.tables", "_costcalc_is_tables")
                .replace("information_schema.columns", "_costcalc_is_columns"))

    def _sql(self, sql: str, params):
        sql = self._information_schema(sql)
        text, args = translate(sql, "spark", params)
        return self.spark.sql(text, args=args or None)

    def _run(self, sql, params) -> Result:
        if re.match(r"\s*CREATE\s+SEQUENCE\b", sql, re.IGNORECASE):
            return Result([], None)  # Spark has no sequences: RETURNING ids are max + 1 (_insert)
        tree = sqlglot.parse_one(sql, read="duckdb")
        if isinstance(tree, exp.Insert):
            return self._insert(tree, params)
        if isinstance(tree, exp.Delete) and self._pending is not None:
            table = tree.this.sql(dialect="spark")
            self._pending = [p for p in self._pending if p[0] != table]
            return Result([], None)
        df = self._sql(sql, params)
        rows = df.collect()
        return Result([tuple(r) for r in rows], df.columns)

    def _insert(self, tree: exp.Insert, params) -> Result:
        from pyspark.sql import functions as F

        target = tree.this
        table_node = target.this if isinstance(target, exp.Schema) else target
        table = table_node.sql(dialect="spark")
        names = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else None
        source = tree.expression
        returning = tree.args.get("returning")
        n_params = len(list(source.find_all(exp.Placeholder)))
        src_params = list(params or [])[:n_params]
        if isinstance(source, exp.Values):
            select = exp.select(*[e.copy() for e in source.expressions[0].expressions])
        else:
            select = source.copy()
        df = self._sql(select.sql(dialect="duckdb"), src_params)
        schema = self.spark.table(table).schema
        names = names or [f.name for f in schema.fields][:len(df.columns)]
        df = df.toDF(*names)
        ret_value = None
        if returning is not None:
            col = returning.expressions[0].name
            ret_value = self.spark.sql(f"SELECT coalesce(max({col}), 0) + 1 FROM {table}").collect()[0][0]
            df = df.withColumn(col, F.lit(ret_value))
        df = df.select(*[(F.col(f.name) if f.name in df.columns else F.lit(None)).cast(f.dataType).alias(f.name)
                         for f in schema.fields])
        if self._pending is not None:
            self._pending.append((table, df.localCheckpoint() if returning is None else df))
        else:
            df.write.insertInto(table)
        return Result([(ret_value,)] if returning is not None else [], ["r"] if returning is not None else None)

    def register(self, name: str, data) -> None:
        """A temporary view ``name`` of ``data`` (a DataFrame or pyarrow Table)."""
        from pyspark.sql import types as T

        frame = as_frame(data)

        fields = []
        for c, dtype in frame.dtypes.items():
            kind = T.LongType() if pd.api.types.is_integer_dtype(dtype) else (
                T.DoubleType() if pd.api.types.is_float_dtype(dtype) else T.StringType())
            fields.append(T.StructField(str(c), kind, True))
        data = frame.astype(object).where(frame.notna(), None)
        self.spark.createDataFrame(data, T.StructType(fields)).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def begin(self):
        self._pending = []
        return Result([], None)

    def commit(self):
        pending, self._pending = self._pending or [], None
        # raw rows first, rejected rows next, the load log (the load's commit marker) last
        rank = {"raw.rejected_rows": 1, "raw.load_log": 2}
        for table, df in sorted(pending, key=lambda p: rank.get(p[0], 0)):
            df.write.insertInto(table)
        return Result([], None)

    def rollback(self):
        self._pending = None
        return Result([], None)

    def next_load_id(self) -> int:
        """max(load id) + 1 over the load log and every raw table, so rows a crashed
        load left behind are never attached to a later load."""
        ids = [0]
        tables = [t["tableName"] for t in self.spark.sql("SHOW TABLES IN raw").collect() if not t["isTemporary"]]
        for t in tables:
            columns = set(self.spark.table(f"raw.`{t}`").columns)
            col = "_load_id" if "_load_id" in columns else "load_id" if "load_id" in columns else None
            if col is None:  # a table of no load (the build log, the purge log)
                continue
            ids.append(self.spark.sql(f"SELECT coalesce(max({col}), 0) FROM raw.`{t}`").collect()[0][0] or 0)
        return int(max(ids)) + 1

    def close(self) -> None:
        self._pending = None


def server_connection(target: str | None = None):
    """A connection to the selected server engine (postgres, sqlserver or spark)."""
    name = target_name(target)
    if name == "postgres":
        return PostgresConnection()
    if name == "sqlserver":
        return SqlServerConnection()
    if name == "spark":
        return SparkConnection()
    raise EngineError("duckdb is not a server engine")
