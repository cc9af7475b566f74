"""``costcalc report``: the reports of ``costcalc.reports`` on the command line.

Every filter value goes to DuckDB as a query parameter (see ``costcalc.reports``).
"""

from __future__ import annotations

from datetime import date, datetime

import click

from costcalc import reports
from costcalc.reports import ReportError, ReportFilters
from costcalc.reports import render

#: Every --format: the printed ones, then the files (xlsx, html: need --output).
ALL_FORMATS = tuple(reports.FORMATS) + render.FILE_FORMATS

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d")
#: Bounds of the number options: a number DuckDB cannot bind (--limit 99999999999999999999)
#: is refused by the option with a message, not by the database with a traceback.
MAX_LIMIT = 1_000_000
MAX_AGE = 150
MAX_HOUSEHOLD = 10_000


class DayType(click.ParamType):
    """A day: yyyy-mm-dd, dd/mm/yyyy (UK order) or yyyymmdd."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        text = str(value).strip()
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        self.fail(f"{value!r} is not a date (use yyyy-mm-dd or dd/mm/yyyy)", param, ctx)


DAY = DayType()


OUTPUT_OPTION = click.option(
    "--output", "output", type=click.Path(dir_okay=False, path_type=str), default=None, metavar="FILE",
    help="Write the report to FILE (required for xlsx and html); an existing link or non-file is refused.")


def report_options(func):
    """The options every report takes: period, record filters, client pool, format."""
    options = [
        click.option("--from", "date_from", type=DAY, default=None,
                     help="First day of the period, included (yyyy-mm-dd or dd/mm/yyyy). Default: earliest start."),
        click.option("--to", "date_to", type=DAY, default=None,
                     help="Last day of the period, included. Default: latest end."),
        click.option("--service-type", "service_types", multiple=True, metavar="TYPE",
                     help="Only this service type (repeatable; case-insensitive)."),
        click.option("--exclude-service-type", "exclude_service_types", multiple=True, metavar="TYPE",
                     help="Leave out this service type (repeatable)."),
        click.option("--service", "services", multiple=True, metavar="SERVICE",
                     help="Only this service, e.g. 'Adult Social Care' (repeatable)."),
        click.option("--exclude-service", "exclude_services", multiple=True, metavar="SERVICE",
                     help="Leave out this service (repeatable)."),
        click.option("--with", "with_memberships", multiple=True, metavar="MEMBERSHIP",
                     help="Only clients who ever had this service or status, e.g. 'Troubled Families' "
                          "(repeatable: clients must have all). See `costcalc report memberships`."),
        click.option("--without", "without_memberships", multiple=True, metavar="MEMBERSHIP",
                     help="Only clients who never had this service or status (repeatable)."),
        click.option("--ta/--not-ta", "ever_temporary_accommodation", default=None,
                     help="Only clients ever / never in temporary accommodation."),
        click.option("--troubled-families/--not-troubled-families", "in_troubled_families", default=None,
                     help="Only clients in / not in the Troubled Families programme."),
        click.option("--hb-switch/--not-hb-switch", "housing_benefit_switch", default=None,
                     help="Only clients with / without a housing benefit switch (paid to landlord)."),
        click.option("--min-age", type=click.IntRange(0, MAX_AGE), default=None, help="Only clients at least this old."),
        click.option("--max-age", type=click.IntRange(0, MAX_AGE), default=None, help="Only clients at most this old."),
        click.option("--need", "needs", multiple=True, metavar="REASON",
                     help="Only clients with this adult social care primary support reason, in full or its "
                          "category before a colon (repeatable). See `costcalc report needs`."),
        click.option("--all-service-type", "all_service_types", multiple=True, metavar="TYPE",
                     help="Only clients who used this service type in the period, any overlap (repeatable: "
                          "clients must have used every one); all their records that match the other "
                          "filters are costed."),
        click.option("--all-need", "all_needs", multiple=True, metavar="REASON",
                     help="Only clients with this primary support reason (repeatable: clients must have "
                          "every one); as --need, in full or its category before a colon."),
        click.option("--household-with-children/--no-household-with-children", "household_with_children",
                     default=None, help="Only clients who ever / never lived in a household with children."),
        click.option("--household-size-min", type=click.IntRange(1, MAX_HOUSEHOLD), default=None, metavar="N",
                     help="Only clients who ever lived in a household of at least N people."),
        click.option("--household-size-max", type=click.IntRange(1, MAX_HOUSEHOLD), default=None, metavar="N",
                     help="Only clients who never lived in a household of more than N people."),
        click.option("--format", "fmt", type=click.Choice(ALL_FORMATS), default="table", show_default=True,
                     help="table for people; csv and json carry unrounded costs; xlsx (a workbook with a chart) "
                          "and html (a self-contained page) need --output."),
        OUTPUT_OPTION,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(kw: dict) -> ReportFilters:
    names = ReportFilters.__dataclass_fields__.keys()
    return ReportFilters(**{k: (tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in kw.items() if k in names})


def _run(ctx: click.Context, build, fmt: str, output: str | None = None) -> None:
    """Open the published marts read-only, build the report, print it (or write it to
    --output); errors become clean messages.

    An --exact report is logged to audit.exact_report_log first (who, when, which
    report, period and filters); it is shown or written only once that row is committed."""
    from costcalc.reports.exact_log import ExactLogFailed, log_exact_run

    if fmt in render.FILE_FORMATS and not output:
        raise click.UsageError(f"--format {fmt} writes a file: give --output FILE (e.g. --output report.{fmt}).")
    try:
        con = reports.connect_published(ctx.obj.warehouse)
        try:
            report = build(con)
            provenance = render.read_provenance(con) if fmt in render.FILE_FORMATS else None
        finally:
            con.close()
        if report.exact:
            log_id, who = log_exact_run(ctx.obj.warehouse, report.name, report.period_from, report.period_to,
                                        report.filters.describe())
            click.echo(f"{report.not_for_publication}: exact figures for internal analysis only, "
                       f"logged as exact report run {log_id} by {who}.", err=True)
        elif report.not_for_publication:
            click.echo(f"{report.not_for_publication}.", err=True)
        if fmt == "xlsx":
            data = render.format_xlsx(report, provenance)
        elif fmt == "html":
            data = render.format_html(report, provenance)
        else:
            data = reports.format_report(report, fmt)
        if output:
            written = render.write_output(output, data)
            click.echo(f"Wrote {fmt} report to {written}", err=True)
            return
    except (ReportError, ExactLogFailed) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(data, nl=False)


exact_option = click.option(
    "--exact", is_flag=True, default=False,
    help="Exact figures: small numbers are not suppressed. For internal analysis only, not for "
         "publication; every --exact run is logged (audit.exact_report_log, docs/disclosure.md).")


@click.group("report")
def report() -> None:
    """Costs from the marts for any day range, with client-pool filters.

    Costs are exact to the day: each record costs cost_per_day for every day it
    overlaps the period (first and last days included), plus its one-off cost
    if it starts in the period. Output names clients by their id only.
    """


@report.command("top-clients")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=20, show_default=True,
              help=f"How many clients (at most {MAX_LIMIT:,}).")
@report_options
@click.pass_context
def top_clients_cmd(ctx: click.Context, limit: int, fmt: str, output: str | None, **kw) -> None:
    """The clients costing most in the period."""
    f = _filters(kw)
    _run(ctx, lambda con: reports.top_clients(con, f, limit=limit), fmt, output)


@report.command("client")
@click.argument("client_id")
@click.option("--by", type=click.Choice(reports.GRANULARITIES), default="period", show_default=True,
              help="Split the period into months, quarters, calendar years or financial years (April-March).")
@click.option("--records", is_flag=True, default=False,
              help="One row per service-use record: service, type, need, start, end, unit cost, frequency, "
                   "days and cost in the period.")
@report_options
@click.pass_context
def client_cmd(ctx: click.Context, client_id: str, by: str, records: bool, fmt: str, output: str | None,
               **kw) -> None:
    """One client's costs by service, service type and period (or record by record, --records)."""
    f = _filters(kw)
    build = reports.client_records if records else reports.client_breakdown
    _run(ctx, lambda con: build(con, client_id, f, by=by), fmt, output)


@report.command("services")
@click.option("--by", type=click.Choice((*reports.GRANULARITIES, reports.BY_SUPPLIER)), default="period",
              show_default=True,
              help="Split the period into months, quarters, calendar years or financial years "
                   "(April-March, labelled 2024-25); or split each service type by supplier "
                   "(--by supplier: cost per client and per week; docs/reports.md).")
@report_options
@exact_option
@click.pass_context
def services_cmd(ctx: click.Context, by: str, fmt: str, output: str | None, exact: bool, **kw) -> None:
    """Spend by service and service type (in each month, quarter, year or financial year with
    --by; per supplier with --by supplier); small numbers suppressed unless --exact."""
    f = _filters(kw)
    _run(ctx, lambda con: reports.services(con, f, by=by, exact=exact), fmt, output)


@report.command("ta-comparison")
@report_options
@exact_option
@click.pass_context
def ta_comparison_cmd(ctx: click.Context, fmt: str, output: str | None, exact: bool, **kw) -> None:
    """Clients ever in temporary accommodation versus all others, per service type
    (small numbers suppressed unless --exact)."""
    f = _filters(kw)
    _run(ctx, lambda con: reports.ta_comparison(con, f, exact=exact), fmt, output)


@report.command("memberships")
@click.option("--format", "fmt", type=click.Choice(ALL_FORMATS), default="table", show_default=True)
@OUTPUT_OPTION
@exact_option
@click.pass_context
def memberships_cmd(ctx: click.Context, fmt: str, output: str | None, exact: bool) -> None:
    """The values --with and --without accept, with client counts (small counts suppressed unless --exact)."""
    _run(ctx, lambda con: reports.memberships(con, exact=exact), fmt, output)


@report.command("needs")
@click.option("--format", "fmt", type=click.Choice(ALL_FORMATS), default="table", show_default=True)
@OUTPUT_OPTION
@exact_option
@click.pass_context
def needs_cmd(ctx: click.Context, fmt: str, output: str | None, exact: bool) -> None:
    """The values --need accepts (primary support reasons), with client counts (small counts
    suppressed unless --exact)."""
    _run(ctx, lambda con: reports.needs(con, exact=exact), fmt, output)


@report.command("unmapped-types")
@click.option("--format", "fmt", type=click.Choice(ALL_FORMATS), default="table", show_default=True)
@OUTPUT_OPTION
@click.pass_context
def unmapped_types_cmd(ctx: click.Context, fmt: str, output: str | None) -> None:
    """Service types with no label in seeds/service_type_labels.csv (file type, type, records).
    It counts records, not people, for data quality: not suppressed."""
    _run(ctx, reports.unmapped_types, fmt, output)


@report.command("top-households")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=20, show_default=True,
              help=f"How many households (at most {MAX_LIMIT:,}).")
@report_options
@click.pass_context
def top_households_cmd(ctx: click.Context, limit: int, fmt: str, output: str | None, **kw) -> None:
    """The households costing most in the period (docs/households.md)."""
    from costcalc.reports.households import top_households

    f = _filters(kw)
    _run(ctx, lambda con: top_households(con, f, limit=limit), fmt, output)


@report.command("household")
@click.argument("household_id")
@report_options
@click.pass_context
def household_cmd(ctx: click.Context, household_id: str, fmt: str, output: str | None, **kw) -> None:
    """One household's costs by member, service and service type."""
    from costcalc.reports.households import household_breakdown

    f = _filters(kw)
    _run(ctx, lambda con: household_breakdown(con, household_id, f), fmt, output)


@report.command("at-risk")
@click.option("--evaluate", is_flag=True, default=False,
              help="The backtest of the at-risk rules: per rule, people flagged at past month ends, how many "
                   "entered temporary accommodation within the follow-up, precision and recall (docs/at-risk.md).")
@click.option("--format", "fmt", type=click.Choice(ALL_FORMATS), default="table", show_default=True)
@OUTPUT_OPTION
@exact_option
@click.pass_context
def at_risk_cmd(ctx: click.Context, evaluate: bool, fmt: str, output: str | None, exact: bool) -> None:
    """How well the at-risk rules predict entry to temporary accommodation (--evaluate; small
    numbers suppressed unless --exact). The list of people flagged is restricted:
    `costcalc at-risk list --purpose D` (docs/at-risk.md)."""
    from costcalc.at_risk.evaluation import evaluate as evaluate_rules

    if not evaluate:
        raise click.UsageError("`report at-risk` shows the rules' backtest: give --evaluate. The list of people "
                               "flagged is restricted: `costcalc at-risk list --purpose D --case-reference REF "
                               "--reason TEXT` (docs/at-risk.md).")
    _run(ctx, lambda con: evaluate_rules(con, exact=exact), fmt, output)
@report.command("pathways")
@click.option("--window", type=click.Choice(["12", "24"]), default="12", show_default=True,
              help="How many calendar months before the month of first entry into temporary accommodation.")
@click.option("--level", type=click.Choice(["client", "household"]), default="client", show_default=True,
              help="Clients (their first placement), or households (the household placed).")
@click.option("--from", "date_from", type=DAY, default=None,
              help="Only entries in months overlapping the period from this day (yyyy-mm-dd or dd/mm/yyyy).")
@click.option("--to", "date_to", type=DAY, default=None, help="Only entries in months up to this day.")
@click.option("--service", "services", multiple=True, metavar="SERVICE", help="Only this service (repeatable).")
@click.option("--exclude-service", "exclude_services", multiple=True, metavar="SERVICE",
              help="Leave out this service (repeatable).")
@click.option("--service-type", "service_types", multiple=True, metavar="TYPE",
              help="Only this service type (repeatable; case-insensitive).")
@click.option("--exclude-service-type", "exclude_service_types", multiple=True, metavar="TYPE",
              help="Leave out this service type (repeatable).")
@click.option("--age-band", "age_bands", multiple=True, metavar="BAND",
              help="Only entrants (and their comparison) of this age band at entry, e.g. 25-34 (repeatable; "
                   "--level client).")
@click.option("--household-type", "household_types", multiple=True, metavar="TYPE",
              help="Only this household type: 'With children', 'One person', 'Adults, no children', "
                   "'No household known' (repeatable).")
@click.option("--format", "fmt", type=click.Choice(ALL_FORMATS), default="table", show_default=True,
              help="table for people; csv and json carry unrounded costs; xlsx and html need --output.")
@OUTPUT_OPTION
@exact_option
@click.pass_context
def pathways_cmd(ctx: click.Context, window: str, level: str, fmt: str, output: str | None, exact: bool,
                 **kw) -> None:
    """What clients (or households) used, and what it cost, in the 12 or 24 months before
    their first temporary accommodation placement, beside a matched comparison group never
    in TA (docs/pathways.md); small numbers suppressed unless --exact."""
    from costcalc.reports.pathways import PathwaysFilters, pathways

    f = PathwaysFilters(window=int(window), level=level,
                        **{k: (tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in kw.items()})
    _run(ctx, lambda con: pathways(con, f, exact=exact), fmt, output)
