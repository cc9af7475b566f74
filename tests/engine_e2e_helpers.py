"""Shared by tests/test_engine_*.py: run the end-to-end demo scenario of
tests/test_e2e_demo.py on a server engine, and the checks that prove it.

The scenario (generated borough, load every file, dbt build, reports, load a
file again) and its expectations (worked out from the generated rows by the
contract, never from the project's tables) are test_e2e_demo's own; the
checks here read the marts through costcalc.warehouse.engines, so the same DuckDB SQL
runs translated on the engine.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from types import SimpleNamespace

import test_e2e_demo as e2e_demo  # noqa: E402  (tests/ is on sys.path under pytest)

from costcalc import reports
from costcalc.paths import environment


@contextmanager
def target_env(target: str, **extra: str):
    """Select ``target`` (and extra settings) for the loader, dbt and reports, then restore."""
    with environment({"COSTCALC_TARGET": target, **extra}):
        yield


def run_scenario(root, people: int = e2e_demo.PEOPLE, seed: int = e2e_demo.SEED, generate=None):
    """Generate, load, build (asserting success), print reports, load the first file again."""
    from costcalc.transform import publish as publish_mod
    from costcalc.commands import demo as demo_cmd
    from costcalc.warehouse.engines import server_connection

    printed: list[str] = []

    def build(wh):
        result = publish_mod.build_and_publish(wh, target_path=root / "dbt_target")
        assert result.success, result.summary()
        return True

    run = demo_cmd.run_demo(root / "unused.duckdb", root / "files", people, seed,
                            echo=lambda s="", **_: printed.append(s), build=build,
                            **(generate or e2e_demo.GENERATE))
    again = e2e_demo.demo_cmd_load_again(root / "unused.duckdb", run.data.files[0])
    # a second build of the client-id ledger (incremental, append-only) after the repeated load
    rebuilt = publish_mod.build_and_publish(root / "unused.duckdb", select="int_client_id_assignments",
                              target_path=root / "dbt_target")
    con = server_connection()
    return SimpleNamespace(root=root, data=run.data, run=run, con=con, printed="\n".join(printed), again=again,
                           recs=e2e_demo.expected_records(run.data), rebuilt=rebuilt)


def check_everything(e2e) -> None:
    """Every check of the DuckDB end-to-end test, on this engine (one call, for Spark)."""
    for check in (e2e_demo.test_every_file_loads_and_only_the_planted_rows_are_rejected,
                  e2e_demo.test_loading_the_same_file_again_changes_nothing,
                  e2e_demo.test_every_accepted_row_is_linked_to_a_client,
                  e2e_demo.test_monthly_cost_per_service_type_matches_the_contract,
                  e2e_demo.test_service_and_grand_totals,
                  e2e_demo.test_the_demo_printed_its_reports_and_timings):
        check(e2e)
    for lo, hi in ((e2e_demo.dt.date(2025, 4, 1), e2e_demo.dt.date(2026, 3, 31)),
                   (e2e_demo.dt.date(2025, 6, 15), e2e_demo.dt.date(2025, 11, 3))):
        e2e_demo.test_services_report_matches_the_contract(e2e, lo, hi)
    check_client_ids_stable(e2e)
    check_reports_and_lookup(e2e)


def check_client_ids_stable(e2e) -> None:
    """The rebuild after loading a file again succeeded, and the ledger appended nothing."""
    assert e2e.rebuilt.success, e2e.rebuilt.summary()
    builds = e2e.con.execute(
        "select build_seq, count(*) from intermediate.int_client_id_assignments group by all").fetchall()
    assert [b for b, _ in builds] == [1], builds  # the second build changed no id
    ids = e2e.con.execute("select count(distinct client_id), count(*) from marts.dim_client").fetchone()
    assert ids[0] == ids[1] > 0


def check_reports_and_lookup(e2e) -> None:
    """The reports' parameters stay parameters; the lookup reads restricted.* and audits."""
    from costcalc.lookup import lookup_client

    con = e2e.con
    f = reports.ReportFilters(date_from=e2e_demo.dt.date(2025, 4, 1), date_to=e2e_demo.dt.date(2026, 3, 31))
    top = reports.top_clients(con, f, limit=5)
    assert 0 < len(top.rows) <= 5
    client = top.rows[0]["client_id"]
    breakdown = reports.client_breakdown(con, client, f)
    assert breakdown.rows
    # a value that would be SQL if it were pasted in: no rows, no error, tables intact
    hostile = reports.ReportFilters(date_from=f.date_from, date_to=f.date_to,
                                    services=("x') or 1=1 --", "Temporary Accommodation"),
                                    with_memberships=("'; drop table marts.dim_client; --",))
    assert reports.services(con, hostile).rows == [] or all(
        r["service"] == "Temporary Accommodation" for r in reports.services(con, hostile).rows)
    assert con.execute("select count(*) from marts.dim_client").fetchone()[0] > 0
    totals = defaultdict(float)
    for r in reports.services(con, f).rows:
        totals[r["service"]] += float(r["cost"])
    assert set(totals) >= {"Temporary Accommodation", "Housing Benefit"}
    result = lookup_client(e2e.root / "unused.duckdb", client, "Case review 1234, duty team", user="engine-test")
    assert result.found and len(result.records) > 0
    audit = con.execute("select client_id, looked_up_by from audit.lookup_log where lookup_id = ?",
                        [result.lookup_id]).fetchall()
    assert audit == [(client, "engine-test")]
