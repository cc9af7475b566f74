"""``costcalc prepare``: write the generated dbt inputs, for plain ``dbt`` commands.

``costcalc build`` does this itself. A data engineer who runs dbt directly
(``cd dbt_project && dbt build -s model``) runs this first, and again after
changing a schema or a seed (docs/project.md).
"""

from __future__ import annotations

import click

from costcalc.paths import GENERATED_ENV, PROJECT_ENV, project_dir
from costcalc.transform.build import prepare


@click.command("prepare")
def prepare_command():
    """Write the schema registry, raw sources and seeds dbt reads into the project's .costcalc/dbt."""
    where = prepare()
    click.echo(f"dbt inputs written to {where}")
    click.echo(f"for plain dbt commands: export {PROJECT_ENV}={project_dir()} "
               f"(or {GENERATED_ENV}={where}), then cd into costcalc's dbt_project folder")
