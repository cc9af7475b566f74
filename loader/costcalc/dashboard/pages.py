"""The dashboard's pages: what each shows, read from the published marts.

Standard pages (file name: title):

- ``index.html``: the dashboard (the period, a link to every page, the provenance);
- ``services.html``: spend by service and service type;
- ``top-clients.html``: the 20 clients costing most (pseudonymous ids);
- ``ta-comparison.html``: clients ever in temporary accommodation versus all others;
- ``trends-month.html``: spend per service by month;
- ``trends-financial-year.html``: spend per service by financial year;
- ``service-<slug>.html``: one per service: its service types, and its spend by month.

Every page carries the provenance (period, filters, extract dates, build) and the
small-number suppression rule of the reports it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape

from costcalc import reports
from costcalc.dashboard import trends
from costcalc.dashboard.slugs import unique_slugs
from costcalc.reports.filters import ReportFilters
from costcalc.reports.render.html import render_page, section_html
from costcalc.reports.render.provenance import Provenance, suppression_text
from costcalc.reports.results import Report

TOP_CLIENTS = 20


@dataclass(frozen=True)
class Page:
    file_name: str
    title: str
    summary: str
    html: str


#: (file name, title, what it shows) of the pages every dashboard has, in menu order.
STANDARD_PAGES = (
    ("services.html", "Spend by service", "Cost, clients and records per service and service type."),
    ("top-clients.html", "Top clients", f"The {TOP_CLIENTS} clients costing most (pseudonymous ids)."),
    ("ta-comparison.html", "Temporary accommodation comparison",
     "Clients ever in temporary accommodation versus all others, per service type."),
    ("trends-month.html", "Trends by month", "Spend per service, month by month."),
    ("trends-financial-year.html", "Trends by financial year", "Spend per service per financial year."),
)


def _e(text) -> str:
    return escape(str(text), quote=True)


def _nav() -> list[tuple[str, str]]:
    return [("index.html", "Dashboard"), *((f, t) for f, t, _ in STANDARD_PAGES)]


def _period(report: Report) -> str:
    return f"{report.period_from:%d/%m/%Y} to {report.period_to:%d/%m/%Y}"


def _page(file_name: str, title: str, summary: str, sections: list[tuple[Report, str | None]],
          provenance: Provenance) -> Page:
    body = "".join(section_html(r, heading=h) for r, h in sections)
    lines = provenance.lines(sections[0][0], notes=False)
    extra = [suppression_text(r) for r, _ in sections[1:]]
    lines += [("Suppression", t) for t in dict.fromkeys(extra) if t != suppression_text(sections[0][0])]
    html = render_page(title, body, subtitle=f"{summary} {_period(sections[0][0])}.", nav=_nav(),
                       provenance_lines=lines)
    return Page(file_name, title, summary, html)


def build_pages(con, filters: ReportFilters, provenance: Provenance) -> list[Page]:
    """Every page of the dashboard, the index last (it links the others)."""
    f = filters
    services = reports.services(con, f)
    month = trends.by_month(con, f)
    pages = [
        _page("services.html", "Spend by service", STANDARD_PAGES[0][2], [(services, "By service and type")],
              provenance),
        _page("top-clients.html", "Top clients", STANDARD_PAGES[1][2],
              [(reports.top_clients(con, f, limit=TOP_CLIENTS), f"Top {TOP_CLIENTS} clients by cost")], provenance),
        _page("ta-comparison.html", "Temporary accommodation comparison", STANDARD_PAGES[2][2],
              [(reports.ta_comparison(con, f), "Per service type")], provenance),
        _page("trends-month.html", "Trends by month", STANDARD_PAGES[3][2],
              [(month, "Cost per service by month")], provenance),
        _page("trends-financial-year.html", "Trends by financial year", STANDARD_PAGES[4][2],
              [(trends.by_financial_year(con, f), "Cost per service by financial year")], provenance),
    ]
    names = sorted({str(s) for s in services.frame["service"].tolist()}) if not services.frame.empty else []
    slugs = unique_slugs(names)
    service_pages = []
    for name in names:
        sf = replace(f, services=(name,))
        page = _page(f"service-{slugs[name]}.html", name, f"The service {name}: its service types and its spend "
                     "by month.", [(reports.services(con, sf), "By service type"),
                                   (trends.for_service(month, name), "Cost by month")], provenance)
        service_pages.append(page)
    pages.extend(service_pages)
    pages.insert(0, _index(services, pages, service_pages, provenance))
    return pages


def _index(services: Report, pages: list[Page], service_pages: list[Page], provenance: Provenance) -> Page:
    links = "".join(f'<li><a href="{_e(p.file_name)}">{_e(p.title)}</a>: {_e(p.summary)}</li>'
                    for p in pages if p not in service_pages)
    per_service = "".join(f'<li><a href="{_e(p.file_name)}">{_e(p.title)}</a></li>' for p in service_pages) \
        or "<li>No service has spend in this period.</li>"
    body = (f'<section><h2>Reports</h2><ul class="pages">{links}</ul></section>'
            f'<section><h2>Services</h2><ul class="pages services">{per_service}</ul></section>'
            + section_html(services, heading="Spend by service"))
    lines = provenance.lines(services, notes=False)[1:]  # the dashboard, not one report
    html = render_page("Service costs dashboard", body, subtitle=f"Period {_period(services)}.", nav=_nav(),
                       provenance_lines=lines)
    return Page("index.html", "Dashboard", "Links to every page.", html)
