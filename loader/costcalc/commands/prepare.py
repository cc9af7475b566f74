"""``costcalc prepare``: write the generated dbt inputs and assemble the dbt project.

``costcalc build`` does this itself. A data engineer who runs dbt directly runs
this first, and again after changing a schema or a seed (docs/project.md).
"""

from __future__ import annotations

import click

from costcalc.paths import WAREHOUSE_ENV
from costcalc.transform.build import prepare


@click.command("prepare")
def prepare_command():
    """Write the dbt inputs (schema registry, raw sources, seeds) and assemble the dbt project
    costcalc runs, in the project directory's .costcalc/dbt."""
    from costcalc.at_risk.rules import RulesError

    try:
        project = prepare()
    except RulesError as exc:  # the project's at-risk rule file (docs/at-risk.md)
        raise click.ClickException(str(exc)) from exc
    click.echo(f"dbt project assembled in {project}")
    click.echo(f"to run dbt yourself: cd {project} && {WAREHOUSE_ENV}=/path/to/costcalc.duckdb dbt build "
               "--profiles-dir .")
