"""Where things live: the installed code's files, the project directory, the warehouse.

Two places, kept apart (docs/project.md):

- **The code**: the dbt project, models, macros, schemas and the seeds that ship
  with costcalc. In a checkout these are the repository's folders; in an
  installed wheel they are a copy bundled inside the package
  (``costcalc/bundle/``). costcalc never writes there.
- **The project directory**: everything a deployment changes or produces:
  ``costcalc.yml`` (settings), ``seeds/`` (file types and providers, manual
  match decisions, any seed it overrides), ``schemas/`` (schemas it adds or
  overrides), and ``.costcalc/`` (generated dbt inputs, dbt's artefacts and
  logs; never tracked). Chosen with ``costcalc --project-dir`` or
  ``$COSTCALC_PROJECT_DIR``; the default is the checkout when costcalc runs
  from one, else the current directory.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository root when costcalc runs from a checkout (``loader/costcalc/paths.py`` -> repo).
REPO_ROOT = _PACKAGE_DIR.parents[1]
#: True when the package is imported from a checkout (an editable install, or tests).
IN_CHECKOUT = (REPO_ROOT / "dbt_project" / "dbt_project.yml").is_file() and (REPO_ROOT / "loader").is_dir()
#: The code's own files: the checkout, or the copy bundled in the wheel (see setup.py).
CODE_ROOT = REPO_ROOT if IN_CHECKOUT else _PACKAGE_DIR / "bundle"
SCHEMAS_DIR = CODE_ROOT / "schemas"
SEEDS_DIR = CODE_ROOT / "seeds"
DBT_PROJECT_DIR = CODE_ROOT / "dbt_project"
MODELS_DIR = CODE_ROOT / "models"
MACROS_DIR = CODE_ROOT / "macros"

#: The environment variable naming the DuckDB warehouse file; dbt's profile reads it too.
WAREHOUSE_ENV = "COSTCALC_WAREHOUSE"
DEFAULT_WAREHOUSE = Path("warehouse") / "costcalc.duckdb"
#: The environment variable naming the project directory.
PROJECT_ENV = "COSTCALC_PROJECT_DIR"
#: The project directory's folder of generated and transient files (never tracked).
STATE_DIRNAME = ".costcalc"


def warehouse_path(explicit: str | os.PathLike | None = None) -> Path:
    """The warehouse file: the explicit path, else $COSTCALC_WAREHOUSE, else ./warehouse/costcalc.duckdb."""
    value = explicit or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE
    return Path(value).expanduser().resolve()


def project_dir() -> Path:
    """The project directory: $COSTCALC_PROJECT_DIR, else the checkout, else the current directory."""
    value = os.environ.get(PROJECT_ENV)
    if value:
        return Path(value).expanduser().resolve()
    return REPO_ROOT if IN_CHECKOUT else Path.cwd().resolve()


def state_dir() -> Path:
    """The project's folder of generated and transient files (``<project>/.costcalc``)."""
    return project_dir() / STATE_DIRNAME


def generated_dbt_dir() -> Path:
    """Where the generated dbt inputs go: the schema registry macro, the raw sources, the seeds."""
    return state_dir() / "dbt"


def schema_dirs() -> tuple[Path, ...]:
    """Folders of schema YAML files, in order: the code's, then the project's (which add or override)."""
    dirs = [SCHEMAS_DIR]
    extra = project_dir() / "schemas"
    if extra.is_dir() and extra.resolve() != SCHEMAS_DIR.resolve():
        dirs.append(extra)
    return tuple(dirs)


def project_seeds_dir() -> Path:
    """The project's seeds folder: file types and providers, manual match decisions, overrides."""
    return project_dir() / "seeds"


def seed_file(name: str) -> Path:
    """A seed file: the project's copy where it has one, else the one shipped with the code."""
    own = project_seeds_dir() / name
    return own if own.is_file() else SEEDS_DIR / name


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
