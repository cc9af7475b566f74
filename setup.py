"""Packaging glue: the wheel carries costcalc's dbt project with it.

Everything else is declared in pyproject.toml. The dbt project, models,
macros, schemas, seeds and dbt tests live at the top of the repository
(where dbt users expect them); an installed costcalc needs them too, so the
build copies them into the package as ``costcalc/bundle/`` (see
``costcalc.paths``: a checkout uses the repository's folders directly).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Top-level folders (and files in them) the installed package needs, as ``costcalc/bundle/<folder>``.
BUNDLED = {
    "dbt_project": ("dbt_project.yml", "profiles.yml"),
    "models": ("**/*.sql", "**/*.yml"),
    "macros": ("**/*.sql",),
    "schemas": ("*.yaml",),
    "seeds": ("*.csv", "*.yml"),
    "tests/dbt": ("*.sql",),
}


class BuildPyWithProject(build_py):
    def run(self):
        # A build folder left by an earlier build keeps files since deleted or renamed (a
        # macro defined twice then breaks dbt): the package is always copied afresh.
        shutil.rmtree(Path(self.build_lib) / "costcalc", ignore_errors=True)
        super().run()
        bundle = Path(self.build_lib) / "costcalc" / "bundle"
        for folder, patterns in BUNDLED.items():
            for pattern in patterns:
                for src in sorted((ROOT / folder).glob(pattern)):
                    dst = bundle / folder / src.relative_to(ROOT / folder)
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    self.copy_file(str(src), str(dst))


setup(cmdclass={"build_py": BuildPyWithProject})
