"""``costcalc publish DIR``: the dashboard, a static site of the standard reports (costcalc.dashboard).

Not the marts snapshot ``costcalc build`` publishes (costcalc.transform.publish):
this renders pages *from* that snapshot.
"""

from __future__ import annotations

import click

from costcalc.commands.report import DAY
from costcalc.reports import ReportError
from costcalc.safe_output import terminal_text


@click.command("publish")
@click.argument("folder", type=click.Path(file_okay=False, path_type=str))
@click.option("--from", "date_from", type=DAY, default=None,
              help="First day of the period, included. Default: the earliest start in the data.")
@click.option("--to", "date_to", type=DAY, default=None, help="Last day of the period, included. Default: latest end.")
@click.pass_context
def publish_command(ctx: click.Context, folder: str, date_from, date_to) -> None:
    """Render the dashboard (a static site of the standard reports) into FOLDER.

    Reads only the published marts (no personal data); FOLDER is replaced whole, so
    a reader never sees half a site. FOLDER must be new, empty, or a dashboard made
    by this command.
    """
    from costcalc.dashboard import publish_site

    try:
        site = publish_site(ctx.obj.warehouse, folder, date_from=date_from, date_to=date_to)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(terminal_text(f"Published the dashboard to {site.folder}: {len(site.pages)} pages "
                             f"(open {site.folder / 'index.html'})"))
