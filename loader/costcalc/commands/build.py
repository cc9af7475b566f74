"""``costcalc build``: refresh the generated schema registry, then run dbt to
build staging, intermediate, marts and restricted from the raw layer.

There is no --full-refresh: the client-id ledger is never rebuilt, so client
ids stay stable. Output is a one-line summary (plus any failing node); dbt's
own log is in the project directory's .costcalc/dbt/target/logs/.
"""

from __future__ import annotations

import sys

import click

from costcalc.transform.build import build


@click.command("build")
@click.option("--select", "select", metavar="SELECTOR", default=None,
              help="Build only these dbt nodes (dbt selection syntax, e.g. 'marts' or '+fct_cost_monthly').")
@click.pass_obj
def build_command(obj, select):
    """Build the warehouse's models from the loaded files (runs dbt build)."""
    result = build(obj.warehouse, select)
    click.echo(result.summary(), err=not result.success)
    sys.exit(0 if result.success else 1)
