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
from .build_cmd import build_command as _build  # noqa: E402
main.add_command(_build)
from .demo_cmd import demo as _demo  # noqa: E402
main.add_command(_demo)
from .load_cmd import load as _load  # noqa: E402
main.add_command(_load)
from .lookup_cmd import lookup as _lookup  # noqa: E402
main.add_command(_lookup)
from .match_cmd import match as _match  # noqa: E402
main.add_command(_match)
from .report_cmd import report as _report  # noqa: E402
main.add_command(_report)
from .watch_cmd import watch_command as _watch  # noqa: E402
main.add_command(_watch)
