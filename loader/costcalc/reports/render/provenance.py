"""What a report covers and how current its data is, for the reader of a workbook or page.

Read from the published marts only: ``marts.build_info`` (which build, published
when) and ``marts.dim_data_extract`` (per file type, the latest extract date of
its loaded files). Neither holds personal data. A snapshot published before
``dim_data_extract`` existed simply has no extract dates to show (said so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from costcalc.reports.render.cells import disclosure_text
from costcalc.reports.results import Report

NO_SUPPRESSION = ("No small-number suppression is applied to this report: every count and amount is "
                  "shown as computed.")


@dataclass(frozen=True)
class Extract:
    service: str
    file_type: str
    latest_extract_date: date | None
    files_loaded: int | None


@dataclass(frozen=True)
class Provenance:
    """The data behind a report: which build, published when, and each file type's latest extract."""

    build_id: int | None = None
    published_at: datetime | None = None
    extracts: tuple[Extract, ...] = ()
    rendered_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    def lines(self, report: Report, notes: bool = True) -> list[tuple[str, str]]:
        """(label, text) pairs: the About sheet's rows and the page's provenance list (a page
        shows the notes under its table: ``notes=False``)."""
        out = [("Report", report.title)]
        if report.name not in ("memberships", "needs"):
            out.append(("Period", f"{report.period_from:%d/%m/%Y} to {report.period_to:%d/%m/%Y} "
                                  "(both days included)"))
        described = report.filters.describe()
        if described:
            for key, value in described.items():
                text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                out.append((f"Filter: {key.replace('_', ' ')}", text))
        else:
            out.append(("Filters", "none (every client and record)"))
        out.extend(self.data_lines())
        out.append(("Suppression", suppression_text(report)))
        if notes:
            out.extend(("Note", n) for n in report.notes)
        return out

    def data_lines(self) -> list[tuple[str, str]]:
        """The lines about the data itself (the same for every report of one build)."""
        out = []
        if self.extracts:
            for e in self.extracts:
                when = f"{e.latest_extract_date:%d/%m/%Y}" if e.latest_extract_date else "unknown"
                files = f" ({e.files_loaded:,} file{'s' if e.files_loaded != 1 else ''} loaded)" \
                    if e.files_loaded is not None else ""
                out.append((f"Data extracted: {e.service}", f"up to {when}{files}"))
        else:
            out.append(("Data extracted", "not recorded in this build (rebuild with `costcalc build`)"))
        if self.build_id is not None or self.published_at is not None:
            built = f"{self.published_at:%d/%m/%Y %H:%M}" if self.published_at else "unknown"
            out.append(("Built", f"build {self.build_id}, published {built}" if self.build_id is not None
                        else f"published {built}"))
        out.append(("Produced", f"{self.rendered_at:%d/%m/%Y %H:%M}"))
        return out


def suppression_text(report: Report) -> str:
    return disclosure_text(report) or NO_SUPPRESSION


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", ["marts"]).fetchall()}


def read_provenance(con) -> Provenance:
    """The provenance of the marts ``con`` reads (the published snapshot)."""
    have = _tables(con)
    build_id = published_at = None
    if "build_info" in have:
        row = con.execute("SELECT build_id, published_at FROM marts.build_info "
                          "ORDER BY build_id DESC LIMIT 1").fetchone()
        if row:
            build_id, published_at = row
    extracts: tuple[Extract, ...] = ()
    if "dim_data_extract" in have:
        extracts = tuple(Extract(str(s), str(f), d, None if n is None else int(n)) for s, f, d, n in con.execute(
            "SELECT service, file_type, latest_extract_date, files_loaded FROM marts.dim_data_extract "
            "ORDER BY service, file_type").fetchall())
    if isinstance(published_at, str):
        published_at = datetime.fromisoformat(published_at)
    return Provenance(build_id=None if build_id is None else int(build_id), published_at=published_at,
                      extracts=extracts)
