"""The SQL of models/ and macros/ passes sqlfluff (``.sqlfluff``: the jinja
templater, with tests/sqlfluff_dbt standing in for dbt, so no warehouse is
needed). Every file the globs find is linted, new ones included; the files
listed in ``.sqlfluffignore`` are left out, each with its reason there.

COSTCALC_LINT_GLOBS (space-separated globs from the repository root) lints
other files instead, e.g. ``COSTCALC_LINT_GLOBS='models/marts/*.sql'``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import sqlfluff  # noqa: E402,F401  (the test extra: make test installs it)

REPO = Path(__file__).resolve().parents[1]
GLOBS = os.environ.get("COSTCALC_LINT_GLOBS", "models/**/*.sql macros/**/*.sql").split()


def _lint(paths: list[str], cwd: Path):
    from sqlfluff.core import FluffConfig, Linter

    old = Path.cwd()
    os.chdir(cwd)  # .sqlfluff, .sqlfluffignore and the library path are read from here
    try:
        config = FluffConfig.from_path(str(cwd))
        return Linter(config=config).lint_paths(tuple(paths), processes=2)
    finally:
        os.chdir(old)


def _problems(result) -> list[str]:
    return [f"{f.path}:{v.line_no}:{v.line_pos} {v.rule_code()} {v.desc()}"
            for path in result.paths for f in path.files for v in f.get_violations()]


def test_models_and_macros_pass_the_sql_lint():
    paths = sorted({str(p.relative_to(REPO)) for g in GLOBS for p in REPO.glob(g)})
    assert paths, f"no SQL file matches {GLOBS}"
    result = _lint(paths, REPO)
    assert _problems(result) == []
    linted = {Path(f.path).as_posix() for path in result.paths for f in path.files}
    assert any(p.startswith("models/marts/") for p in linted)


def test_the_lint_fails_on_a_badly_written_model_and_on_an_unrendered_one(tmp_path):
    """The same configuration on a copy: a model in upper case with an implicit
    alias fails, and so does one calling a macro that does not exist."""
    for name in (".sqlfluff", ".sqlfluffignore"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "macros", tmp_path / "macros")
    shutil.copytree(REPO / "tests" / "sqlfluff_dbt", tmp_path / "tests" / "sqlfluff_dbt")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "bad_style.sql").write_text(
        "SELECT c.client_id FROM {{ ref('dim_client') }} c\n", encoding="utf-8")
    (tmp_path / "models" / "bad_macro.sql").write_text(
        "select {{ no_such_macro('x') }} as x\n", encoding="utf-8")
    (tmp_path / "models" / "good.sql").write_text(
        "select clients.client_id\nfrom {{ ref('dim_client') }} as clients\n", encoding="utf-8")
    problems = _problems(_lint(["models"], tmp_path))
    rules = {(Path(p.split(":")[0]).name, p.split()[1]) for p in problems}
    assert ("bad_style.sql", "CP01") in rules and ("bad_style.sql", "AL01") in rules
    assert ("bad_macro.sql", "TMP") in rules
    assert not any(name == "good.sql" for name, _ in rules), problems
