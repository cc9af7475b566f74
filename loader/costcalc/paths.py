"""Where things live: the repository's folders and the warehouse file."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

#: The repository root (``loader/costcalc/paths.py`` -> repo).
REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = REPO_ROOT / "schemas"
SEEDS_DIR = REPO_ROOT / "seeds"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
MODELS_DIR = REPO_ROOT / "models"
MACROS_DIR = REPO_ROOT / "macros"

#: The environment variable naming the DuckDB warehouse file; dbt's profile reads it too.
WAREHOUSE_ENV = "COSTCALC_WAREHOUSE"
DEFAULT_WAREHOUSE = Path("warehouse") / "costcalc.duckdb"


def warehouse_path(explicit: str | os.PathLike | None = None) -> Path:
    """The warehouse file: the explicit path, else $COSTCALC_WAREHOUSE, else ./warehouse/costcalc.duckdb."""
    value = explicit or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE
    return Path(value).expanduser().resolve()


@contextmanager
def environment(values: dict[str, str]):
    """Set environment variables for the duration of a block, then restore them."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
