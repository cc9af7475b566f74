"""The ``costcalc`` command line. Each command lives beside what it drives;
this module only assembles them under one group with the global options."""

from __future__ import annotations

import os
from pathlib import Path

import click

from costcalc import __version__
from costcalc.schemas import clear_caches
from costcalc.warehouse.targets import TARGET_ENV, TARGETS, EngineError, require_engine, target_name
from costcalc.paths import PROJECT_ENV, WAREHOUSE_ENV, warehouse_path
from costcalc.safe_output import terminal_text


class Context:
    """What every command receives: where the warehouse is."""

    def __init__(self, warehouse: str | None, target: str | None = None, project_dir: str | None = None):
        if project_dir:
            # every layer (schemas, seeds, settings, dbt's generated inputs) reads it from here
            os.environ[PROJECT_ENV] = str(Path(project_dir).expanduser().resolve())
            clear_caches()
        self.warehouse = warehouse_path(warehouse)
        try:
            self.target = target_name(target)
            require_engine(self.target)  # a server engine without its extra: one line naming it
        except EngineError as exc:
            raise click.ClickException(str(exc)) from None
        if self.target == "duckdb" and self.warehouse.is_dir():
            raise click.BadParameter(
                f"{terminal_text(self.warehouse, one_line=True)} is a folder; give the DuckDB file, "
                f"e.g. {terminal_text(self.warehouse / 'costcalc.duckdb', one_line=True)}",
                param_hint="--warehouse")
        # every layer (loader, dbt's profile, reports, lookup) reads the target from here
        os.environ[TARGET_ENV] = self.target


class _Group(click.Group):
    """The command group: Ctrl-C in any command is one line on stderr and exit code 130
    (the shell's convention for SIGINT), never a traceback. What a command leaves half
    done is its own transaction's to undo (docs/loading.md)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("costcalc: interrupted (Ctrl-C)", err=True)
            ctx.exit(INTERRUPTED)


#: The exit code after Ctrl-C (128 + SIGINT).
INTERRUPTED = 130


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--warehouse", metavar="PATH", envvar=WAREHOUSE_ENV, default=None,
              help=f"The DuckDB warehouse file [env {WAREHOUSE_ENV}; default ./warehouse/costcalc.duckdb].")
@click.option("--target", metavar="NAME", envvar=TARGET_ENV, default=None,
              type=click.Choice(TARGETS, case_sensitive=False),
              help=f"The warehouse engine: {', '.join(TARGETS)} [env {TARGET_ENV}; default duckdb]. "
                   "Server engines read their connection settings from the environment (docs/engines.md).")
@click.option("--project-dir", metavar="DIR", envvar=PROJECT_ENV, default=None,
              type=click.Path(file_okay=False),
              help=f"The project directory: settings, file types and providers, match decisions, added "
                   f"schemas [env {PROJECT_ENV}; default the checkout, else the current directory] "
                   "(docs/project.md).")
@click.version_option(__version__, prog_name="costcalc")
@click.pass_context
def main(ctx: click.Context, warehouse: str | None, target: str | None, project_dir: str | None) -> None:
    """costcalc: what public services spend on each person, across departments."""
    ctx.obj = Context(warehouse, target, project_dir)


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
from costcalc.commands.prepare import prepare_command as _prepare  # noqa: E402
main.add_command(_prepare)
from costcalc.commands.report import report as _report  # noqa: E402
main.add_command(_report)
from costcalc.commands.roles import setup_roles_command as _setup_roles  # noqa: E402
main.add_command(_setup_roles)
from costcalc.commands.schema import schema as _schema  # noqa: E402
main.add_command(_schema)
from costcalc.commands.status import status_command as _status  # noqa: E402
main.add_command(_status)
from costcalc.commands.watch import watch_command as _watch  # noqa: E402
main.add_command(_watch)
from costcalc.commands.template import template_command as _template  # noqa: E402
main.add_command(_template)
from costcalc.commands.publish import publish_command as _publish  # noqa: E402
main.add_command(_publish)
from costcalc.commands.unload import unload_command as _unload  # noqa: E402
main.add_command(_unload)
from costcalc.commands.loads import loads_command as _loads  # noqa: E402
main.add_command(_loads)
from costcalc.commands.purge import purge_command as _purge  # noqa: E402
main.add_command(_purge)
from costcalc.commands.optout import optout as _optout  # noqa: E402
main.add_command(_optout)
from costcalc.commands.at_risk import at_risk as _at_risk  # noqa: E402
main.add_command(_at_risk)
