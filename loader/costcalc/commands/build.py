"""``costcalc build``: refresh the generated schema registry, then run dbt to
build staging, intermediate, marts and restricted from the raw layer, and
publish the marts when the build and its tests succeeded
(``costcalc.transform.publish``). A failed or interrupted build leaves the
previous published marts in place and a build owed (``costcalc status``).

A build is incremental where a model can be (docs/scale.md, "Incremental
builds"); --full-refresh rebuilds those models in full. The client-id ledger is
never rebuilt, even then, so client ids stay stable. The dbt unit tests (static
inputs that check the costing and matching rules' code on this engine) run only
with --unit-tests: they test the code, not the data (docs/warehouse.md). Output is a one-line
summary (plus any failing node); dbt's own log is in the project directory's
.costcalc/dbt/target/logs/.
"""

from __future__ import annotations

import sys

import click

from costcalc.settings import SettingsError, load_settings
from costcalc.transform.publish import build_and_publish


@click.command("build")
@click.option("--select", "select", metavar="SELECTOR", default=None,
              help="Build only these dbt nodes (dbt selection syntax, e.g. 'marts' or '+fct_cost_monthly').")
@click.option("--full-refresh", "full_refresh", is_flag=True, default=False,
              help="Rebuild the incremental models in full instead of only what changed "
                   "(the client-id ledger is kept: client ids do not change).")
@click.option("--unit-tests", "unit_tests", is_flag=True, default=False,
              help="Also run the dbt unit tests of the costing and matching rules on this engine "
                   "(static inputs: they check the code, not the data, so builds leave them out).")
@click.pass_obj
def build_command(obj, select, full_refresh, unit_tests):
    """Build the warehouse's models from the loaded files (runs dbt build), then
    publish the marts that reports and BI tools read. Exit code 2 (nothing built) when
    costcalc.yml is broken: its settings reach dbt (docs/settings.md)."""
    try:
        load_settings()
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    try:
        result = build_and_publish(obj.warehouse, select, full_refresh=full_refresh, unit_tests=unit_tests)
    except KeyboardInterrupt:
        click.echo("build interrupted: the previous published marts stay in place; a build is owed "
                   "(run `costcalc build` again)", err=True)
        sys.exit(130)
    click.echo(result.summary(), err=not result.success)
    sys.exit(0 if result.success else 1)
