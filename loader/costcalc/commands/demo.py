"""``costcalc demo``: generate a fictional borough's files, load them, build,
and print the reports. See docs/demo.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import click

#: Prefixes of the file names the demo writes (a warehouse holding only these is a demo warehouse).
DEMO_FILE_PREFIXES = ("TA_placements_", "ASC_service_lines_", "substance_misuse_", "HB_entitlement_snapshot_",
                      "HB_paid_to_landlord_", "troubled_families_")

#: The demo reports cover the demo's last financial year.
REPORT_FROM = dt.date(2025, 4, 1)
REPORT_TO = dt.date(2026, 3, 31)
#: The services whose suppliers the demo's last report compares (demo/suppliers.py names them).
DEMO_SUPPLIER_SERVICES = ("Temporary Accommodation", "Adult Social Care")


def _is_demo_warehouse(path: Path) -> bool:
    """True when ``path`` holds nothing but demo loads (or no loads at all)."""
    from costcalc.warehouse.connection import open_warehouse

    con = open_warehouse("duckdb", path, read_only=True)
    try:
        has_log = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = 'load_log'"
        ).fetchone()[0]
        if not has_log:
            return True
        names = [r[0] for r in con.execute("SELECT DISTINCT source_file FROM raw.load_log").fetchall()]
    finally:
        con.close()
    return all(str(n).startswith(DEMO_FILE_PREFIXES) for n in names)


def fresh_warehouse(path: Path) -> None:
    """Start the demo from an empty warehouse, refusing to touch one that holds real loads."""
    if not path.exists():
        return
    if not _is_demo_warehouse(path):
        raise click.ClickException(
            f"{path} already holds loads that are not demo files; the demo will not touch it. "
            "Run it with its own warehouse, e.g. `costcalc --warehouse demo.duckdb demo`.")
    from costcalc.warehouse.restricted_store import restricted_path

    restricted = restricted_path(path)  # the demo's identities and audit go with it
    for p in (path, path.with_name(path.name + ".wal"), restricted, restricted.with_name(restricted.name + ".wal")):
        if p.exists():
            p.unlink()


@dataclass
class DemoRun:
    """What ``run_demo`` did: the generated data, each file's load result, and seconds per stage."""

    data: object  # costcalc.demo.DemoData
    loads: dict = field(default_factory=dict)  # file name -> LoadResult
    timings: dict = field(default_factory=dict)


def run_demo(warehouse: Path, out: Path, people: int, seed: int, *, echo=click.echo,
             build: Callable[[Path], bool] | None = None, **generate_options) -> DemoRun:
    """Generate, load, build and print the reports (``generate_options`` go to
    ``costcalc.demo.generate``; ``build`` replaces ``run_build``)."""
    from costcalc import reports
    from costcalc.transform.build import run_build
    from costcalc.demo import generate
    from costcalc.ingest.landing import load_file

    warehouse = Path(warehouse)
    fresh_warehouse(warehouse)

    t0 = time.perf_counter()
    data = generate(out, people=people, seed=seed, **generate_options)
    run = DemoRun(data)
    timings = run.timings
    timings["generate"] = time.perf_counter() - t0
    n_rows = sum(len(f.data_rows) for f in data.files)
    echo(f"Generated {len(data.files)} files ({n_rows:,} rows) for {len(data.population.people):,} "
         f"fictional people in {out} ({timings['generate']:.1f}s); ground truth in {data.truth_dir}.")

    t0 = time.perf_counter()
    echo(f"\nLoading into {warehouse}:")
    accepted = rejected = 0
    for f in data.files:
        t1 = time.perf_counter()
        res = load_file(warehouse, f.path, schema=f.schema_code, file_type=f.file_type, provider=f.provider,
                        extract_date=f.extract_date)
        run.loads[f.name] = res
        accepted += res.rows_accepted
        rejected += res.rows_rejected
        note = f"  {res.rows_rejected} rejected (see {f.name}.errors.csv)" if res.rows_rejected else ""
        echo(f"  {f.name:<42} {f.schema_code:<5} {res.status:<9} {res.rows_accepted:>6,} rows"
             f" {time.perf_counter() - t1:5.1f}s{note}")
        if res.status == "rejected":
            raise click.ClickException(f"{f.name} was rejected: {res.message}")
    timings["load"] = time.perf_counter() - t0
    echo(f"Loaded {accepted:,} rows; rejected {rejected:,} planted bad rows ({timings['load']:.1f}s).")

    echo("\nBuilding the warehouse (dbt)...")
    t0 = time.perf_counter()
    ok = (build or run_build)(warehouse)
    timings["build"] = time.perf_counter() - t0
    if not ok:
        raise click.ClickException(
            f"The build failed after {timings['build']:.1f}s; run `costcalc --warehouse {warehouse} build` to see why.")
    echo(f"Built ({timings['build']:.1f}s).")

    from costcalc.reports.households import top_households
    from costcalc.reports.pathways import PathwaysFilters, pathways

    t0 = time.perf_counter()
    filters = reports.ReportFilters(date_from=REPORT_FROM, date_to=REPORT_TO)
    con = reports.connect_published(warehouse)
    try:
        for make in (lambda: reports.top_clients(con, filters, limit=20),
                     lambda: reports.services(con, filters),
                     lambda: reports.ta_comparison(con, filters),
                     lambda: top_households(con, filters, limit=10),
                     lambda: reports.services(con, dataclasses.replace(filters, services=DEMO_SUPPLIER_SERVICES),
                                              by=reports.BY_SUPPLIER),
                     lambda: pathways(con, PathwaysFilters(date_from=REPORT_FROM, date_to=REPORT_TO))):
            echo("")
            echo(reports.format_report(make(), "table"), nl=False)
    finally:
        con.close()
    timings["reports"] = time.perf_counter() - t0

    echo("\nTimings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
         + f"; total {sum(timings.values()):.1f}s.")
    echo(f"Explore further: costcalc --warehouse {warehouse} report --help")
    return run


@click.command("demo")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo_data"),
              show_default=True, help="Folder for the generated files (ground truth goes to <out>/_truth/).")
@click.option("--people", type=click.IntRange(min=50), default=30_000, show_default=True,
              help="How many fictional people live in the borough.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed (same seed, same files).")
@click.pass_context
def demo(ctx: click.Context, out: Path, people: int, seed: int) -> None:
    """Generate sample files for a fictional borough, load them, build, and print the reports.

    Starts from an empty warehouse (the global --warehouse, default
    ./warehouse/costcalc.duckdb); refuses to touch a warehouse holding
    anything other than demo files. The reports cover 1 April 2025 to
    31 March 2026.
    """
    run_demo(ctx.obj.warehouse, out, people, seed)
