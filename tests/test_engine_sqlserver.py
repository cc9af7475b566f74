"""SQL Server, without a SQL Server: every model (and dbt test) compiles for the
sqlserver target and the generated T-SQL parses (sqlglot, dialect tsql); the
statements the loader, reports and lookup send are translated to T-SQL that
parses, with every value still a parameter.

dbt needs a connection to compile; costcalc.transform.tsql_check gives dbt-sqlserver an
offline stand-in for pyodbc's connection (nothing is sent anywhere).
"""

from __future__ import annotations

import re

import dbt.adapters.sqlserver  # noqa: F401 (the adapter the compile check runs; `make test` installs it)
import pytest
import sqlglot

from costcalc.warehouse.engines import translate


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    from costcalc.transform.tsql_check import compile_sqlserver

    return compile_sqlserver(tmp_path_factory.mktemp("tsql"))


def test_every_model_compiles_for_sqlserver_and_parses_as_tsql(compiled):
    assert compiled.dbt_error is None, compiled.dbt_error
    for name in ("stg_h01a", "int_records", "int_months", "int_client_id_assignments", "fct_cost_monthly",
                 "fct_service_use", "dim_client", "client_record_links", "client_identity", "rpt_spend_by_service",
                 "int_match_cc", "int_match_merge"):
        assert name in compiled.compiled, name
    assert compiled.errors == {}, compiled.errors


def test_the_tsql_has_no_constructs_sql_server_lacks(compiled):
    """Parsing is lenient (sqlglot accepts many dialects' functions): look for
    what T-SQL does not have in the models this project dispatches per engine."""
    lacking = re.compile(r"\b(lpad|double precision|extract\s*\(|list_contains|split_part|ilike|limit\s+\d|median\s*\(|within\s+group)", re.I)
    bad = {n: sorted(set(m.lower() for m in lacking.findall(sql))) for n, sql in compiled.compiled.items()
           if lacking.search(sql)}
    assert bad == {}, bad
    for name in ("fct_service_use", "dim_client", "int_service_use"):
        tree = [t for t in sqlglot.parse(compiled.compiled[name], read="tsql") if t is not None]
        booleans = [b for t in tree for b in t.find_all(sqlglot.exp.Boolean)]
        assert booleans == [], (name, [b.sql() for b in booleans])
    assert "right(replicate('0', 8) + cast(" in compiled.compiled["int_client_id_assignments"]  # no lpad


@pytest.fixture(scope="module")
def compiled_2025(tmp_path_factory):
    from costcalc.transform.tsql_check import compile_sqlserver

    return compile_sqlserver(tmp_path_factory.mktemp("tsql2025"), {"sqlserver_2025": True})


def test_sql_server_2025_compares_names_with_its_own_functions(compiled, compiled_2025):
    """--vars '{sqlserver_2025: true}': fuzzy names by JARO_WINKLER_DISTANCE and EDIT_DISTANCE
    (a swap over GENERATE_SERIES); without it, the portable rule, which has neither."""
    assert compiled_2025.dbt_error is None, compiled_2025.dbt_error
    assert compiled_2025.errors == {}, compiled_2025.errors
    # the model that compares the pairs (int_match_pairs scores the levels it stores)
    pairs = compiled_2025.compiled["int_match_pair_levels"].lower()
    for fn in ("jaro_winkler_distance(", "edit_distance(", "generate_series("):
        assert fn in pairs, fn
        assert fn not in compiled.compiled["int_match_pair_levels"].lower(), fn
    assert "levenshtein" not in pairs and "jaro_winkler_similarity" not in pairs


def test_the_month_spine_needs_no_introspective_query(compiled):
    sql = compiled.compiled["int_months"]
    assert "dateadd" in sql.lower() and "3600" in sql


def _parses(sql: str) -> None:
    assert [t for t in sqlglot.parse(sql, read="tsql") if t is not None], sql


def _tsql(duckdb_sql: str) -> str:
    """A parameterless DuckDB statement as T-SQL, checked to parse."""
    text, params = translate(duckdb_sql, "tsql")
    assert params == []
    _parses(text)
    return text


def test_loader_statements_translate_to_tsql():
    from costcalc.schemas import get_schema
    from costcalc.warehouse import raw_layer

    schema, = [_tsql("CREATE SCHEMA IF NOT EXISTS raw")]
    assert schema == "IF NOT EXISTS (SELECT * FROM INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME = 'raw') " \
                     "EXEC('CREATE SCHEMA raw')"
    for table in (raw_layer.LOAD_LOG, raw_layer.REJECTED_ROWS, raw_layer.schema_table(get_schema("H01A"))):
        text = _tsql(raw_layer.create_table_sql(table))
        assert text.startswith(f"IF NOT EXISTS (SELECT * FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = "
                               f"'{table.name}' AND TABLE_SCHEMA = 'raw') EXEC('CREATE TABLE raw.[{table.name}] (")
        tsql_types = {"string": "NVARCHAR(MAX)", "bigint": "BIGINT", "integer": "INTEGER",
                      "money": "NUMERIC(18, 4)", "date": "DATE", "timestamp": "DATETIME2"}
        for col in table.columns:  # every declared column, in order, with its T-SQL type
            assert f"[{col.name}] {tsql_types[col.type]}" in text, (table.name, col.name, text)
        positions = [text.index(f"[{c.name}] ") for c in table.columns]
        assert positions == sorted(positions)
    assert "[load_id] BIGINT PRIMARY KEY" in _tsql(raw_layer.create_table_sql(raw_layer.LOAD_LOG))
    added = _tsql(raw_layer.add_column_sql(raw_layer.LOAD_LOG, raw_layer.RawColumn("x_y", "date", "new")))
    assert added == "ALTER TABLE raw.[load_log] ADD [x_y] DATE"
    text, params = translate(
        "SELECT load_id, loaded_at FROM raw.load_log WHERE sha256 = ? AND status = 'loaded' ORDER BY load_id LIMIT 1",
        "tsql", ["abc"])
    _parses(text)
    assert "TOP 1" in text and "LIMIT" not in text and params == ["abc"]
    text, params = translate("INSERT INTO raw.h01a (_load_id, surname) SELECT ?, NULLIF(CAST(c0 AS VARCHAR), '') "
                             "FROM _costcalc_batch", "tsql", [7], temp_tables=["_costcalc_batch"])
    _parses(text)
    assert "#_costcalc_batch" in text and "NVARCHAR(MAX)" in text and params == [7]


def test_report_parameters_stay_parameters_in_tsql():
    hostile = "x') OR 1=1; DROP TABLE marts.dim_client; --"
    sql = ("SELECT s.service FROM marts.fct_service_use s WHERE s.start_date <= ? "
           "AND list_contains(CAST(? AS VARCHAR[]), lower(trim(s.service))) GROUP BY ALL")
    text, params = translate(sql, "tsql", ["2026-03-31", [hostile, "b"]])
    _parses(text)
    assert hostile not in text and params == ["2026-03-31", hostile, "b"]
    assert text.count("?") == 3 and "IN (?, ?)" in text and text.endswith("GROUP BY s.service")
    empty, params = translate(sql, "tsql", ["2026-03-31", []])
    _parses(empty)
    assert params == ["2026-03-31"]


def test_postgres_and_spark_translations_bind_every_value():
    sql = "SELECT ? AS a, '?' AS literal, x FROM t WHERE y LIKE '%z' AND list_contains(CAST(? AS VARCHAR[]), x)"
    text, params = translate(sql, "postgres", [1, ["p", "q"]])
    assert text.count("%s") == 3 and "'%%z'" in text and "'?'" in text and params == [1, "p", "q"]
    text, args = translate(sql, "spark", [1, ["p", "q"]])
    assert ":p0" in text and ":p2" in text and args == {"p0": 1, "p1": "p", "p2": "q"}


def test_the_target_option_selects_the_engine(monkeypatch):
    from click.testing import CliRunner

    from costcalc.cli import main
    from costcalc.warehouse.engines import EngineError, target_name

    monkeypatch.delenv("COSTCALC_TARGET", raising=False)
    assert target_name() == "duckdb"
    monkeypatch.setenv("COSTCALC_TARGET", "Spark")
    assert target_name() == "spark"
    with pytest.raises(EngineError):
        target_name("oracle")
    res = CliRunner().invoke(main, ["--target", "oracle", "build"])
    assert res.exit_code != 0 and "oracle" in res.output
    res = CliRunner().invoke(main, ["--help"])
    assert "--target" in res.output and "COSTCALC_TARGET" in res.output
    # an unreachable server is a clear error, not a traceback
    monkeypatch.setenv("COSTCALC_PG_HOST", "127.0.0.1")
    monkeypatch.setenv("COSTCALC_PG_PORT", "1")
    res = CliRunner().invoke(main, ["--target", "postgres", "report", "services"])
    assert res.exit_code != 0 and "cannot connect to PostgreSQL" in res.output


def test_the_at_risk_models_compile_for_sqlserver(compiled):
    """The at-risk rules (docs/at-risk.md): the rule set's conditions and their combination
    (a HAVING over the rule id) compile and parse as T-SQL."""
    for name in ("int_at_risk_conditions", "int_at_risk_dates", "int_at_risk_condition_hits", "int_at_risk_flags",
                 "int_at_risk_in_ta", "fct_at_risk_backtest", "at_risk_flag_records", "at_risk_dates",
                 "int_at_risk_inputs", "int_at_risk_hits_by_client", "int_at_risk_first_listed",
                 "int_at_risk_snapshots"):
        assert name in compiled.compiled, name
        assert name not in compiled.errors, compiled.errors[name]
    assert "having" in compiled.compiled["int_at_risk_flags"].lower()
def test_the_pathways_models_compile_for_sql_server(compiled):
    """docs/pathways.md: the cohorts, the use before entry and the aggregate, as T-SQL
    with no boolean literals (flags are bits there)."""
    for name in ("int_pathways_entries", "int_pathways_entrants", "int_pathways_client_inputs",
                 "int_pathways_client_months", "fct_pathways_cohort", "fct_pathways_before_ta", "rpt_pathways_into_ta"):
        assert name in compiled.compiled, name
        tree = [t for t in sqlglot.parse(compiled.compiled[name], read="tsql") if t is not None]
        assert tree and [b.sql() for t in tree for b in t.find_all(sqlglot.exp.Boolean)] == [], name
    # the windows' dates (int_pathways_entrants, which fct_pathways_cohort reads): T-SQL's own
    assert re.search(r"dateadd\s*\(\s*month", compiled.compiled["int_pathways_entrants"], re.I)


def test_setup_roles_gives_caseworkers_the_match_evidence_and_analysts_none():
    """docs/sqlserver.md, "Access roles": `match explain|review` need SELECT on each match evidence
    table (one by one: never the whole intermediate schema) and INSERT on the audit; the
    statements parse as T-SQL, and are renewed after every build (a table dbt makes again, or
    that publishing moves with ALTER SCHEMA ... TRANSFER, loses its permissions)."""
    from click.testing import CliRunner

    from costcalc.cli import main
    from costcalc.warehouse.roles import MATCH_EVIDENCE_TABLES, sqlserver_rebuilt_grants, sqlserver_statements

    statements = sqlserver_statements()
    for sql in statements:
        _parses(sql)
    grants = [s for s in statements if "GRANT" in s]
    to = {role: [s for s in grants if s.endswith(f" TO {role}")] for role in
          ("costcalc_caseworker", "costcalc_analyst", "costcalc_uploader")}
    for table in MATCH_EVIDENCE_TABLES:
        assert (f"IF DATABASE_PRINCIPAL_ID('costcalc_caseworker') IS NOT NULL AND OBJECT_ID('intermediate.{table}') "
                f"IS NOT NULL GRANT SELECT ON intermediate.{table} TO costcalc_caseworker") in to["costcalc_caseworker"]
    for table in ("marts.dim_client", "marts.client_record_links"):
        assert any(s.endswith(f"GRANT SELECT ON {table} TO costcalc_caseworker") for s in grants), table
    assert "GRANT INSERT ON SCHEMA::audit TO costcalc_caseworker" in grants
    assert not any("SCHEMA::intermediate" in s and "admin" not in s for s in grants)
    for role in ("costcalc_analyst", "costcalc_uploader"):
        assert not any("intermediate" in s or "restricted" in s or "match_" in s for s in to[role]), to[role]
    assert set(sqlserver_rebuilt_grants()) <= set(statements)
    res = CliRunner().invoke(main, ["--target", "sqlserver", "setup-roles", "--print"])
    assert res.exit_code == 0, res.output
    assert "GRANT SELECT ON intermediate.int_match_pairs TO costcalc_caseworker;" in res.output


def test_the_caseworkers_grants_are_renewed_after_a_build_on_sql_server(monkeypatch):
    """publish.build_and_publish runs roles.grant_rebuilt on the build's connection after the build."""
    from costcalc.transform import publish
    from costcalc.transform.build import BuildResult
    from costcalc.warehouse import connection, roles

    sent, closed = [], []

    class Cursor:
        def execute(self, sql, *args):
            sent.append(sql)

        def close(self):
            closed.append("cursor")

    class Con:
        dialect = "sqlserver"

        class raw:  # noqa: N801 - pyodbc's connection, as engines.SqlServerWarehouse holds it
            cursor = staticmethod(lambda: Cursor())

        def close(self):
            closed.append("connection")

    monkeypatch.setenv("COSTCALC_TARGET", "sqlserver")
    monkeypatch.setattr(publish, "_build_and_publish", lambda *a, **k: BuildResult(success=False, build_id=3))
    monkeypatch.setattr(connection, "open_warehouse", lambda *a, **k: Con())
    result = publish.build_and_publish("unused.duckdb")
    assert result.build_id == 3 and sent == roles.sqlserver_rebuilt_grants()
    assert "connection" in closed, "the grants' connection is left open"


def test_match_explain_sql_for_sql_server_has_no_with_inside_a_step(compiled):
    """`costcalc match explain` runs int_match_pairs' SQL with its candidates replaced by
    int_match_pair_levels' SQL (the stored levels' comparison): T-SQL allows no WITH inside a
    CTE, and both models have steps named p and candidates, so the levels' steps come first,
    renamed; the result parses as T-SQL with every step named once and reads no stored pair."""
    from sqlglot import exp

    from costcalc.matching.comparison import _compiled, pair_sql

    comparison = _compiled(compiled.compiled, "sqlserver")
    assert comparison.levels_sql
    query = pair_sql(comparison, [("a" * 32, "b" * 32)])
    tree = sqlglot.parse_one(query.sql, read="tsql")
    names = [c.alias for c in tree.find_all(exp.CTE)]
    assert len(names) == len(set(names)), names
    assert {"stored_levels_p", "stored_levels_candidates", "p", "candidates", "scored"} <= set(names)
    assert all(c.this.args.get("with_") is None for c in tree.find_all(exp.CTE))
    tables = {t.name for t in tree.find_all(exp.Table) if t.db}
    assert "int_match_pair_levels" not in tables and "int_match_candidates" not in tables, tables
    assert "int_match_profiles" in tables
