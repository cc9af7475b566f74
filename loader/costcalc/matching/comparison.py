"""The build's own comparison SQL, run for chosen pairs of identity profiles.

``costcalc match explain`` and ``costcalc match review`` must say what the
matching models decide, not what a second implementation thinks they would.
So nothing here compares names or dates: dbt compiles the model
``int_match_pairs`` (its macros, weights and vars, for the selected target),
and :func:`pair_sql` changes that SQL in two places only, with sqlglot:

- the ``candidates`` CTE (the pairs the blocking rules bring) becomes the
  pairs asked about, so that a pair the blocking rules never brought is
  compared exactly as if they had; where int_match_pairs reads the levels
  stored by ``int_match_pair_levels`` (incremental matching), the
  ``candidates`` CTE becomes that model's compiled SQL, itself comparing
  the pairs asked about (its own ``candidates`` CTE replaced; its steps
  moved, renamed, to the front of int_match_pairs', as T-SQL has no WITH
  inside a CTE);
- each term of the ``score`` sum in the ``scored`` CTE is also returned as a
  column of its own, named after the ``*_level`` column it weighs (or the
  ``*_weight`` column it adds), so every field's weight is shown beside its
  level.

The threshold is read from the same SQL (``score >= <threshold>``). A level or
a weight added to the model later shows up without a change here. The names
of the blocking rules come from the compiled ``int_match_skipped_blocks``
(``when <rule_no> then '<name>'``, from the macro ``match_blocking_rules``).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: sqlglot's dialect for each costcalc target.
DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "spark": "spark", "sqlserver": "tsql"}
#: The prefix of the weight columns pair_sql adds (one per *_level column weighed).
WEIGHT_PREFIX = "explain_weight__"
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class ComparisonUnavailable(Exception):
    """The comparison SQL cannot be compiled or does not have the expected shape."""


def _sqlglot():
    """sqlglot and its expressions; it comes with the `engines` extra (not the base install)."""
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError:
        raise ComparisonUnavailable("match explain and match review need the sqlglot package: "
                                    "pip install 'costcalc[engines]' (or pip install sqlglot).") from None
    return sqlglot, exp


@dataclass
class CompiledComparison:
    pairs_sql: str                      # int_match_pairs as the build runs it, for the selected target
    dialect: str                        # sqlglot's name for the target's SQL
    rule_names: dict[int, str] = field(default_factory=dict)  # blocking rule number -> what it compares
    levels_sql: str | None = None       # int_match_pair_levels as the build runs it (the stored levels)
    catalog: str | None = None          # the database the compiled SQL names (DuckDB: the warehouse's)


def _expected_catalog(warehouse: Path, target: str) -> str | None:
    if target == "duckdb":
        return Path(warehouse).stem
    if target == "postgres":
        from costcalc.warehouse.engines import postgres_settings

        return postgres_settings()["dbname"]
    return None


def _read_compiled(folder: Path) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in folder.glob("compiled/**/*.sql")
            if p.stem in ("int_match_pairs", "int_match_pair_levels", "int_match_skipped_blocks")}


def _last_build(warehouse: Path, target: str) -> dict[str, str] | None:
    """The SQL the last build ran (its target folder), when it was a build of this target and
    warehouse: what made the clusters being explained, and no dbt run needed."""
    import json

    from costcalc.paths import generated_dbt_dir

    folder = generated_dbt_dir() / "target"
    try:
        meta = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return None
    compiled = _read_compiled(folder)
    if meta.get("adapter_type") != target or "int_match_pairs" not in compiled:
        return None
    want = _expected_catalog(warehouse, target)
    if want is not None and (_catalog(compiled["int_match_pairs"], DIALECTS[target]) or "").lower() != want.lower():
        return None
    return compiled


def compile_comparison(warehouse: Path) -> CompiledComparison:
    """The comparison SQL: the last build's (when it built this target's warehouse), else ``dbt
    compile`` of int_match_pairs and int_match_skipped_blocks for the selected target, into a
    folder of its own (the build's artefacts are left alone)."""
    from costcalc.paths import generated_dbt_dir
    from costcalc.transform.build import invoke_dbt
    from costcalc.warehouse.targets import target_name

    target = target_name()
    compiled = _last_build(Path(warehouse), target)
    if compiled is not None:
        return _compiled(compiled, target)
    # a folder of its own beside the build's target (dbt's partial parsing keeps later runs quick);
    # the compiled files are removed first, so none is left from another target
    out = generated_dbt_dir() / f"explain_target_{target}"
    shutil.rmtree(out / "compiled", ignore_errors=True)
    result = invoke_dbt(Path(warehouse), ["compile", "--no-print", "--select", "int_match_pairs",
                                          "int_match_pair_levels", "int_match_skipped_blocks"], target_path=out)
    if not result.success:
        raise ComparisonUnavailable("The matching models could not be compiled: "
                                    + (result.error or "; ".join(result.failures) or "dbt failed"))
    return _compiled(_read_compiled(out), target)


def _compiled(compiled: dict[str, str], target: str) -> CompiledComparison:
    if "int_match_pairs" not in compiled:
        raise ComparisonUnavailable("dbt compiled no int_match_pairs: is the matching model in the project?")
    rules = {int(n): name for n, name in
             re.findall(r"when\s+(\d+)\s+then\s+'([^']*)'", compiled.get("int_match_skipped_blocks", ""))}
    dialect = DIALECTS.get(target, "duckdb")
    return CompiledComparison(pairs_sql=compiled["int_match_pairs"], dialect=dialect, rule_names=rules,
                              catalog=_catalog(compiled["int_match_pairs"], dialect),
                              levels_sql=compiled.get("int_match_pair_levels"))


def _catalog(sql: str, dialect: str) -> str | None:
    sqlglot, exp = _sqlglot()
    for table in sqlglot.parse_one(sql, read=dialect).find_all(exp.Table):
        if table.catalog:
            return table.catalog
    return None


def _flatten_sum(node, out: list) -> list:
    _, exp = _sqlglot()

    if isinstance(node, exp.Add):
        _flatten_sum(node.left, out)
        _flatten_sum(node.right, out)
    elif isinstance(node, exp.Paren):
        _flatten_sum(node.this, out)
    else:
        out.append(node)
    return out


def _term_name(term, i: int) -> str:
    _, exp = _sqlglot()

    if isinstance(term, exp.Column) and term.name.endswith("_weight"):  # a weight column of its own
        return term.name[: -len("_weight")]
    levels = sorted({c.name for c in term.find_all(exp.Column) if c.name.endswith("_level")})
    return levels[0][: -len("_level")] if len(levels) == 1 else f"term{i}"


@dataclass
class PairQuery:
    sql: str
    weight_columns: dict[str, str]      # field (the *_level column without _level) -> its weight column
    threshold_sql: str                  # the threshold as the SQL writes it


def pair_sql(compiled: CompiledComparison, pairs: list[tuple[str, str]]) -> PairQuery:
    """int_match_pairs' SQL comparing exactly ``pairs`` of profile keys (each pair ordered as the
    model orders it, smaller key first), with one weight column per term of the score."""
    sqlglot, exp = _sqlglot()
    if not pairs:
        raise ValueError("no pairs")
    for a, b in pairs:
        if not (_KEY.match(a or "") and _KEY.match(b or "")):
            raise ComparisonUnavailable("A profile key is not a key.")
    d = compiled.dialect
    tree = sqlglot.parse_one(compiled.pairs_sql, read=d)
    ctes = {c.alias: c for c in tree.find_all(exp.CTE)}
    if not {"candidates", "scored"} <= set(ctes):
        raise ComparisonUnavailable("int_match_pairs has no 'candidates' or 'scored' step: explain needs both.")
    rows = " union all ".join(
        f"select {exp.Literal.string(min(a, b)).sql(d)} as pk_a, {exp.Literal.string(max(a, b)).sql(d)} as pk_b"
        for a, b in pairs)
    asked = sqlglot.parse_one(rows, read=d)
    reads_stored = any(t.name == "int_match_pair_levels" for t in ctes["candidates"].this.find_all(exp.Table))
    if reads_stored:  # the levels are int_match_pair_levels': compare the pairs asked about with its SQL
        if not compiled.levels_sql:
            raise ComparisonUnavailable("int_match_pairs reads int_match_pair_levels, which was not compiled.")
        levels = sqlglot.parse_one(compiled.levels_sql, read=d)
        inner = {c.alias: c for c in levels.find_all(exp.CTE)}
        if "candidates" not in inner:
            raise ComparisonUnavailable("int_match_pair_levels has no 'candidates' step: explain needs it.")
        inner["candidates"].set("this", asked)
        asked = _hoist_steps(levels, tree, "stored_levels_")
    ctes["candidates"].set("this", asked)
    scored = ctes["scored"].this
    score = next((e for e in scored.expressions if e.alias_or_name == "score"), None)
    if score is None:
        raise ComparisonUnavailable("int_match_pairs computes no score.")
    terms = _flatten_sum(score.this if isinstance(score, exp.Alias) else score, [])
    weights: dict[str, str] = {}
    for i, term in enumerate(terms):
        name = _term_name(term, i)
        column = f"{WEIGHT_PREFIX}{name}"
        weights[name] = column
        scored.select(exp.alias_(term.copy(), column), append=True, copy=False)
    threshold = next((n.expression for n in tree.find_all(exp.GTE)
                      if isinstance(n.this, exp.Column) and n.this.name == "score"), None)
    if threshold is None:
        raise ComparisonUnavailable("int_match_pairs has no threshold (score >= ...).")
    for column in weights.values():  # the weights through the later steps to the final select
        tree.select(exp.column(column), append=True, copy=False)
    return PairQuery(sql=tree.sql(dialect=d), weight_columns=weights, threshold_sql=threshold.sql(dialect=d))


def _hoist_steps(inner, outer, prefix: str):
    """``inner``'s final select, its steps (CTEs) moved, renamed with ``prefix``, to the front of
    ``outer``'s: T-SQL has no WITH inside a CTE, and both models name steps ``p`` and
    ``candidates`` (sqlglot would hoist them to one WITH under the same names)."""
    _, exp = _sqlglot()
    steps = inner.args.get("with_")
    if steps is None:
        return inner
    names = {c.alias: f"{prefix}{c.alias}" for c in steps.expressions}
    for table in inner.find_all(exp.Table):
        if not table.db and table.name in names:
            table.set("this", exp.to_identifier(names[table.name]))
    for cte in steps.expressions:
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(names[cte.alias])))
    inner.set("with_", None)
    outer_steps = outer.args["with_"]
    outer_steps.set("expressions", [*steps.expressions, *outer_steps.expressions])
    return inner


def run_native(con, sql: str) -> pd.DataFrame:
    """Engine SQL as it is (no translation from DuckDB's dialect) on a costcalc connection."""
    import duckdb

    if isinstance(con, duckdb.DuckDBPyConnection):
        return con.execute(sql).df()
    if getattr(con, "dialect", None) == "spark":
        return con.spark.sql(sql).toPandas()
    cur = con.raw.cursor()
    try:
        cur.execute(sql)
        cols = [c[0] for c in cur.description]
        return pd.DataFrame([tuple(r) for r in cur.fetchall()], columns=cols)
    finally:
        cur.close()


def compare(con, compiled: CompiledComparison, pairs: list[tuple[str, str]]) -> tuple[pd.DataFrame, dict, float]:
    """Compare ``pairs`` of profile keys with the build's SQL on ``con``: the model's columns
    (levels, score, is_link, is_apart, rule, ...) plus the weight columns; the field -> weight
    column map; and the threshold."""
    q = pair_sql(compiled, pairs)
    frame = run_native(con, q.sql)
    threshold = run_native(con, f"select {q.threshold_sql} as threshold")
    return frame, q.weight_columns, float(threshold.iloc[0, 0])
