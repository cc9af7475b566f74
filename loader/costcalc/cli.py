"""The ``costcalc`` command line. Each command lives beside what it drives;
this module only assembles them under one group with the global options."""

from __future__ import annotations

import os

import click

from costcalc import __version__
from costcalc.warehouse.targets import TARGET_ENV, TARGETS, target_name
from costcalc.paths import WAREHOUSE_ENV, warehouse_path


class Context:
    """What every command receives: where the warehouse is."""

    def __init__(self, warehouse: str | None, target: str | None = None):
        self.warehouse = warehouse_path(warehouse)
        self.target = target_name(target)
        # every layer (loader, dbt's profile, reports, lookup) reads the target from here
        os.environ[TARGET_ENV] = self.target


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--warehouse", metavar="PATH", envvar=WAREHOUSE_ENV, default=None,
              help=f"The DuckDB warehouse file [env {WAREHOUSE_ENV}; default ./warehouse/costcalc.duckdb].")
@click.option("--target", metavar="NAME", envvar=TARGET_ENV, default=None,
              type=click.Choice(TARGETS, case_sensitive=False),
              help=f"The warehouse engine: {', '.join(TARGETS)} [env {TARGET_ENV}; default duckdb]. "
                   "Server engines read their connection settings from the environment (docs/engines.md).")
@click.version_option(__version__, prog_name="costcalc")
@click.pass_context
def main(ctx: click.Context, warehouse: str | None, target: str | None) -> None:
    """costcalc: what public services spend on each person, across departments."""
    ctx.obj = Context(warehouse, target)


# Commands, one module each (keep this block sorted).
# -- commands --
from costcalc.commands.build import build_command as _build  # noqa: E402
main.add_command(_build)
from costcalc.commands.demo import demo as _demo  # noqa: E402
main.add_command(_demo)
from costcalc.commands.load import load as _load  # noqa: E402
main.add_command(_load)
from costcalc.commands.lookup import lookup as _lookup  # noqa: E402
main.add_command(_lookup)
from costcalc.commands.match import match as _match  # noqa: E402
main.add_command(_match)
from costcalc.commands.report import report as _report  # noqa: E402
main.add_command(_report)
from costcalc.commands.roles import setup_roles_command as _setup_roles  # noqa: E402
main.add_command(_setup_roles)
from costcalc.commands.status import status_command as _status  # noqa: E402
main.add_command(_status)
from costcalc.commands.watch import watch_command as _watch  # noqa: E402
main.add_command(_watch)
