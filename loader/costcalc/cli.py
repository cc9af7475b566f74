"""The ``costcalc`` command line. Each command lives beside what it drives;
this module only assembles them under one group with the global options."""

from __future__ import annotations

import click

from . import __version__
from .paths import WAREHOUSE_ENV, warehouse_path


class Context:
    """What every command receives: where the warehouse is."""

    def __init__(self, warehouse: str | None):
        self.warehouse = warehouse_path(warehouse)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--warehouse", metavar="PATH", envvar=WAREHOUSE_ENV, default=None,
              help=f"The DuckDB warehouse file [env {WAREHOUSE_ENV}; default ./warehouse/costcalc.duckdb].")
@click.version_option(__version__, prog_name="costcalc")
@click.pass_context
def main(ctx: click.Context, warehouse: str | None) -> None:
    """costcalc: what public services spend on each person, across departments."""
    ctx.obj = Context(warehouse)


# Commands, one module each (keep this block sorted).
# -- commands --
