"""The end-to-end demo scenario, shared by every engine's test: a generated
borough's files -> ``costcalc demo``'s pipeline (load_file, dbt build,
reports) -> marts, and what the marts must hold, worked out by this module
from the generated rows by the contract.

It applies the contract itself (de-duplication by natural key with the last
loaded file winning, ASC01's effective dates, RB01's snapshot rules, ongoing
records running to the latest extract date of their file type, and the
frequency table of docs/contract.md §3). It never reads intermediate models
for its expectations. Totals are compared at levels that do not depend on
matching (service, service type, month); per-client costs only for people
whose records are unambiguous (same surname, date of birth and postcode
everywhere, shared with nobody else).

``run_scenario`` runs it on a target; the ``check_*`` functions assert on its
result (tests/test_e2e_demo.py on DuckDB and PostgreSQL, tests/test_engine_spark.py
on Spark).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

from costcalc import reports
from costcalc.commands import demo as demo_cmd
from costcalc.ingest.landing import load_file
from costcalc.paths import environment
from costcalc.schemas import load_file_types
from costcalc.transform import publish as publish_mod
from costcalc.warehouse.connection import open_warehouse
from dbt_warehouse_helpers import unit_test_names

PEOPLE, SEED = 500, 12
GENERATE = {"snapshots": 3, "intensity": 4.0}  # a small but busy borough

# docs/contract.md §3, restated here so the test does not borrow the project's own tables.
PERIODIC = {  # canonical: (multiply, divide, spellings)
    "Daily": (1, 1, ["Daily", "Nightly", "Per day"]),
    "Weekly": (1, 7, ["Weekly", "Per week", "pw"]),
    "Fortnightly": (1, 14, ["Fortnightly", "Every 2 weeks", "2 Weekly"]),
    "4 Weekly": (1, 28, ["4 Weekly", "Four weekly", "Every 4 weeks"]),
    "Monthly": (12, 365, ["Monthly", "Per month", "pcm"]),
    "Annual": (1, 365, ["Annual", "Annually", "Yearly", "Per annum"]),
}
ONE_OFF = ["One-off", "One off", "Single"]
DEFAULT_FREQUENCY = {"ASC01": "Weekly", "GS00": "One-off"}  # schemas/*.yaml column defaults


def service_type_label(file_type: str, raw: str, labels: dict | None = None) -> str:
    """The label reports show for a service type (docs/reports.md "Service-type labels"),
    read here straight from seeds/service_type_labels.csv: the file type's own row, else a
    '*' row, matched ignoring case and spaces; an unmapped type as it is."""
    if labels is None:
        labels = _seed_labels()
    key = re.sub(r"[ \t\n\r\f\v]", "", raw.strip()).lower()
    return labels.get((file_type, key)) or labels.get(("*", key)) or raw


def _seed_labels() -> dict:
    import csv

    from costcalc.paths import seed_file

    with open(seed_file("service_type_labels.csv"), encoding="utf-8", newline="") as fh:
        return {(r["file_type"].strip(), re.sub(r"[ \t\n\r\f\v]", "", r["service_type"].strip()).lower()):
                r["label"].strip() for r in csv.DictReader(fh)}


def _fkey(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).lower()


def canonical_frequency(text: str | None, schema_code: str) -> str:
    if text is None or not str(text).strip():
        text = DEFAULT_FREQUENCY[schema_code]
    k = _fkey(text)
    if k in {_fkey(s) for s in ONE_OFF}:
        return "One-off"
    for name, (_, _, spellings) in PERIODIC.items():
        if k in {_fkey(s) for s in spellings}:
            return name
    raise AssertionError(f"the generator wrote an unknown frequency {text!r} in an accepted row")


def norm_postcode(pc: str) -> str:
    c = re.sub(r"\s+", "", pc).upper()
    return f"{c[:-3]} {c[-3:]}"


def coarse_name(s: str) -> str:
    """Letters only, upper case: coarser than any normalisation the matcher may use."""
    return "".join(ch for ch in s.upper() if ch.isalpha())


@dataclass
class Rec:
    person_id: str
    schema_code: str
    file_type: str
    service: str
    service_type: str
    start: dt.date
    end: dt.date | None  # None: ongoing
    frequency: str
    unit: float


# ----------------------------------------------------------------- expectations

def expected_records(data) -> list[Rec]:
    """De-duplicated service-use records of the accepted rows, docs/contract.md §1-§3."""
    display = {ft.file_type: ft.display_name for ft in load_file_types().values()}
    latest: dict[str, dt.date] = {}
    keyed: dict[tuple, Rec] = {}
    rb_snaps: dict[str, list[dt.date]] = defaultdict(list)
    rb_last: dict[str, tuple] = {}
    for f in data.files:  # in load order: a later file wins
        latest[f.file_type] = max(latest.get(f.file_type, f.extract_date), f.extract_date)
        service = display[f.file_type]
        for r in f.accepted_rows:
            v = r.values
            if f.schema_code == "H01A":
                key = ("H01A", coarse_name(v["surname"]), v["dob"], norm_postcode(v["postcode"]), v["startdate"])
                keyed[key] = Rec(r.person_id, "H01A", f.file_type, service, v["proptype"].strip(), v["startdate"],
                                 v["enddate"], "Weekly", float(v["cost"]))
            elif f.schema_code == "ASC01":
                start = max(d for d in (v["start"], v["pricestart"]) if d is not None)
                ends = [d for d in (v["end"], v["priceend"]) if d is not None]
                key = ("ASC01", v["carepackagelineitemid"].strip(), start)
                keyed[key] = Rec(r.person_id, "ASC01", f.file_type, service, v["servicetype"].strip(), start,
                                 min(ends) if ends else None, canonical_frequency(v["frequency"], "ASC01"),
                                 float(v["cost"]))
            elif f.schema_code == "RB01":
                ref = v["housing_benefit_claim_reference_number"].strip()
                rb_snaps[ref].append(v["snapshot_date"])
                rb_last[ref] = (r.person_id, f.file_type, service, v)
            elif f.schema_code == "GS00":
                if v["extref"]:
                    key = ("GS00", v["extref"].strip(), v["startdate"], v["servicedesc"].strip())
                else:
                    key = ("GS00", coarse_name(v["surname"]), v["dob"], norm_postcode(v["postcode"]),
                           v["startdate"], v["servicedesc"].strip())
                keyed[key] = Rec(r.person_id, "GS00", f.file_type, service, v["servicedesc"].strip(),
                                 v["startdate"], v["enddate"], canonical_frequency(v["costfrequency"], "GS00"),
                                 float(v["cost"]))
    for ref, (pid, file_type, service, v) in rb_last.items():
        keyed[("RB01", ref)] = Rec(pid, "RB01", file_type, service, "Housing Benefit Entitlement",
                                   v["hb_claim_entitlement_start_date"] or min(rb_snaps[ref]), max(rb_snaps[ref]),
                                   "Weekly", float(v["weekly_housing_benefit_entitlement"]))
    out = []
    labels = _seed_labels()
    for rec in keyed.values():
        rec.service_type = service_type_label(rec.file_type, rec.service_type, labels)
        if rec.end is None:
            rec.end = rec.start if rec.frequency == "One-off" else latest[rec.file_type]
        out.append(rec)
    return out


def cost_in(rec: Rec, lo: dt.date, hi: dt.date) -> float:
    """The record's cost in [lo, hi], both days included (docs/contract.md §3)."""
    if rec.frequency == "One-off":
        return rec.unit if lo <= rec.start <= hi else 0.0
    mult, div, _ = PERIODIC[rec.frequency]
    days = (min(rec.end, hi) - max(rec.start, lo)).days + 1
    return rec.unit * mult * days / div if days > 0 else 0.0


def months_of(rec: Rec) -> list[tuple[dt.date, dt.date]]:
    out = []
    m = rec.start.replace(day=1)
    while m <= rec.end:
        out.append((m, m.replace(day=calendar.monthrange(m.year, m.month)[1])))
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def expected_monthly(recs: list[Rec]) -> dict[tuple, float]:
    out: dict[tuple, float] = defaultdict(float)
    for rec in recs:
        for lo, hi in months_of(rec):
            c = cost_in(rec, lo, hi)
            if c:
                out[(rec.service, rec.service_type, lo)] += c
    return dict(out)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.005 + 1e-9 * abs(b)


IDENTITY = {  # schema -> (surname, dob, postcode) columns (schemas/*.yaml identity)
    "H01A": ("surname", "dob", "postcode"), "ASC01": ("surname", "dob", "postcode"),
    "GS00": ("surname", "dob", "postcode"), "RB03": ("lastname", "dob", "postcode"),
    "TF01": ("lastname", "dob", "postcode"),
    "RB01": ("claimants_surname", "claimants_date_of_birth", "claimants_postcode"),
}


def unambiguous_people(data) -> dict[str, list[tuple[str, int]]]:
    """People all of whose accepted rows carry the same surname (ignoring case), date of birth and
    postcode, which no other person's row shares even loosely: any matcher must make them one client."""
    exact: dict[str, set] = defaultdict(set)
    loose_owner: dict[tuple, set] = defaultdict(set)
    rows: dict[str, list] = defaultdict(list)
    for f in data.person_files:
        s_col, d_col, p_col = IDENTITY[f.schema_code]
        for r in f.accepted_rows:
            v = r.values
            exact[r.person_id].add((v[s_col].strip().upper(), v[d_col], norm_postcode(v[p_col])))
            loose_owner[(coarse_name(v[s_col]), v[d_col], norm_postcode(v[p_col]))].add(r.person_id)
            rows[r.person_id].append((f.name, r.source_row))
    out = {}
    for pid, keys in exact.items():
        if len(keys) != 1:
            continue
        (s, d, p), = keys
        if loose_owner[(coarse_name(s), d, p)] == {pid}:
            out[pid] = rows[pid]
    return out



# ----------------------------------------------------------------- the pipeline

@contextmanager
def target_env(target: str, **extra: str):
    """Select ``target`` (and extra settings) for the loader, dbt and reports, then restore."""
    with environment({"COSTCALC_TARGET": target, **extra}):
        yield


def run_scenario(root, target: str = "duckdb", env: dict | None = None, people: int = PEOPLE, seed: int = SEED,
                 generate=None) -> SimpleNamespace:
    """Generate, load, build (asserting success), print reports, load the first file again,
    rebuild the client-id ledger; then open the warehouse of ``target`` (``env``: its settings)."""
    env = dict(env or {})
    warehouse = root / "warehouse.duckdb"  # the DuckDB file (server engines do not use it)
    printed: list[str] = []

    def build(wh):
        # with the dbt unit tests, which a build leaves out: they run here on every engine
        result = publish_mod.build_and_publish(wh, target_path=root / "dbt_target", unit_tests=True)
        assert result.success, result.summary()
        assert result.unit_tests == len(unit_test_names()), result.unit_tests
        return True

    with target_env(target, **env):
        run = demo_cmd.run_demo(warehouse, root / "files", people, seed,
                                echo=lambda s="", **_: printed.append(s), build=build,
                                **(generate or GENERATE))
        again = load_again(warehouse, run.data.files[0])
        # a second build of the client-id ledger (incremental, append-only) after the repeated load
        rebuilt = publish_mod.build_and_publish(warehouse, select="int_client_id_assignments",
                                               target_path=root / "dbt_target")
        con = open_warehouse(target, warehouse)
    return SimpleNamespace(root=root, target=target, env=env, warehouse=warehouse, data=run.data, run=run,
                           con=con, printed="\n".join(printed), again=again, recs=expected_records(run.data),
                           rebuilt=rebuilt)


def load_again(warehouse, f):
    """Load one demo file again, exactly as run_demo did."""
    return load_file(warehouse, f.path, schema=f.schema_code, file_type=f.file_type, provider=f.provider,
                     extract_date=f.extract_date)


# ----------------------------------------------------------------- loading

def check_the_generated_borough_exercises_every_rule(e2e):
    """Preconditions: without these the cost checks below would prove little."""
    recs = e2e.recs
    assert {r.frequency for r in recs} == set(PERIODIC) | {"One-off"}
    assert {r.schema_code for r in recs} == {"H01A", "ASC01", "RB01", "GS00"}
    latest = max(f.extract_date for f in e2e.data.files)
    assert sum(r.end == latest for r in recs) >= 20  # ongoing records
    # Records repeated across extracts, some with an end date only in a later one.
    seen = defaultdict(list)
    for f in e2e.data.files:
        for r in f.accepted_rows:
            seen[(f.schema_code, r.record_id)].append(r)
    assert sum(len(v) > 1 for v in seen.values()) >= 50
    end_col = {"H01A": "enddate", "ASC01": "end", "GS00": "enddate"}
    assert any(v[0].values[end_col[code]] is None and v[-1].values[end_col[code]] is not None
               for (code, _), v in seen.items() if code in end_col and len(v) > 1)
    # RB01 claims whose weekly entitlement changed between snapshots (the last loaded row wins).
    assert any(len({r.values["weekly_housing_benefit_entitlement"] for r in v}) > 1
               for (code, _), v in seen.items() if code == "RB01")



def check_every_file_loads_and_only_the_planted_rows_are_rejected(e2e):
    data = e2e.data
    assert sum(len(f.rejected_rows) for f in data.files) >= 10, "the generator planted too few bad rows"
    for f in data.files:
        res = e2e.run.loads[f.name]
        assert res.status == "loaded", (f.name, res.message)
        assert (res.rows_accepted, res.rows_rejected) == (len(f.accepted_rows), len(f.rejected_rows)), f.name
    got = set(e2e.con.execute("select distinct source_file, source_row from raw.rejected_rows").fetchall())
    planted = {(f.name, r.source_row) for f in data.files for r in f.rejected_rows}
    assert got == planted
    # The loader names the column each planted row was spoilt in.
    columns = {(f, r): set(c.split(",")) for f, r, c in e2e.con.execute(
        "select source_file, source_row, string_agg(column_name, ',') from raw.rejected_rows group by all").fetchall()}
    for f in data.files:
        for r in f.rejected_rows:
            assert r.planted_column in columns[(f.name, r.source_row)], (f.name, r.source_row, r.planted_error)


def check_loading_the_same_file_again_changes_nothing(e2e):
    assert e2e.again.status == "unchanged"
    n = e2e.con.execute("select count(*) from raw.load_log where source_file = ?", [e2e.data.files[0].name]).fetchone()[0]
    assert n == 1


def check_every_accepted_row_is_linked_to_a_client(e2e):
    rows = e2e.con.execute(
        "select source_file, source_row, schema_code, client_id from marts.client_record_links").fetchall()
    assert all(cid for *_, cid in rows)
    got = [(f, r, s) for f, r, s, _ in rows]
    assert len(got) == len(set(got)), "a row is linked twice"
    expected = {(f.name, r.source_row, f.schema_code) for f in e2e.data.person_files for r in f.accepted_rows}
    assert set(got) == expected


# ----------------------------------------------------------------- costs

def check_monthly_cost_per_service_type_matches_the_contract(e2e):
    expected = expected_monthly(e2e.recs)
    got = {(s, t, m): float(c) for s, t, m, c in e2e.con.execute(
        "select service, service_type, month, sum(cost) from marts.fct_cost_monthly group by all").fetchall()}
    got = {k: v for k, v in got.items() if abs(v) > 1e-9}
    assert set(got) == set(expected), (sorted(set(got) ^ set(expected))[:10])
    wrong = [(k, got[k], expected[k]) for k in expected if not close(got[k], expected[k])]
    assert not wrong, wrong[:10]
    assert {k[0] for k in expected} == {"Temporary Accommodation", "Adult Social Care", "Housing Benefit",
                                        "Substance Misuse"}


def check_service_and_grand_totals(e2e):
    per_service: dict[str, float] = defaultdict(float)
    for (service, _, _), c in expected_monthly(e2e.recs).items():
        per_service[service] += c
    got = dict(e2e.con.execute("select service, sum(cost) from marts.fct_cost_monthly group by all").fetchall())
    for service, c in per_service.items():
        assert close(float(got[service]), c), (service, got[service], c)
    total = e2e.con.execute("select sum(cost) from marts.fct_cost_monthly").fetchone()[0]
    assert close(float(total), sum(per_service.values()))


def check_services_report_matches_the_contract(e2e, lo, hi):
    """`costcalc report services` for a financial year and for an odd day range."""
    expected: dict[tuple, float] = defaultdict(float)
    for rec in e2e.recs:
        expected[(rec.service, rec.service_type)] += cost_in(rec, lo, hi)
    # exact figures: what is checked here is the costing (suppression: the next check)
    rep = reports.services(e2e.con, reports.ReportFilters(date_from=lo, date_to=hi), exact=True)
    got = {(r["service"], r["service_type"]): float(r["cost"]) for r in rep.rows}
    for k in set(got) | set(expected):
        assert close(got.get(k, 0.0), expected.get(k, 0.0)), (k, got.get(k), expected.get(k))
    check_services_report_suppresses_small_numbers(e2e, lo, hi)


def check_services_report_suppresses_small_numbers(e2e, lo, hi, threshold: int = 10):
    """The default (published) services report against the exact one: every row of fewer
    than ``threshold`` clients is suppressed; the visible rows are exact; and when a total
    is printed, the total minus the visible rows covers at least two rows and at least
    ``threshold`` clients (docs/disclosure.md)."""
    f = reports.ReportFilters(date_from=lo, date_to=hi)
    exact = reports.services(e2e.con, f, exact=True).rows
    shown = reports.services(e2e.con, f)
    assert len(shown.rows) == len(exact) and shown.threshold == threshold
    hidden = [i for i in range(len(exact)) if shown.is_suppressed(i, "clients")]
    for i, (want, got) in enumerate(zip(exact, shown.rows)):
        assert (want["service"], want["service_type"]) == (got["service"], got["service_type"])
        if want["clients"] < threshold:
            assert i in hidden, want
        if i in hidden:
            assert got["cost"] is None and shown.is_suppressed(i, "cost")
        else:
            assert got["clients"] == want["clients"] and close(float(got["cost"]), float(want["cost"]))
    if hidden and shown.totals and shown.totals["cost"] is not None:
        assert close(shown.totals["cost"], sum(float(r["cost"]) for r in exact))
        assert len(hidden) >= 2 and sum(exact[i]["clients"] for i in hidden) >= threshold


def check_the_demo_printed_its_reports_and_timings(e2e):
    out = e2e.printed
    for title in ("Top 20 clients by cost", "Spend by service and service type",
                  "Clients ever in temporary accommodation versus all others", "Top 10 households by cost",
                  "Pathways into temporary accommodation: clients, the 12 months before first entry",
                  "Timings:"):
        assert title in out
    assert "rejected" in out
    # No personal data in what the demo prints: no generated surname appears.
    surnames = {p.surname for p in e2e.data.population.people if len(p.surname) > 4}
    leaked = [s for s in surnames if re.search(rf"\b{re.escape(s)}\b", out)]
    assert not leaked, leaked[:5]


# ----------------------------------------------------------------- per client

def check_unambiguous_people_are_one_client_with_their_own_costs_and_flags(e2e):
    data, con = e2e.data, e2e.con
    people = unambiguous_people(data)
    links = {(f, r): c for f, r, c in con.execute(
        "select source_file, source_row, client_id from marts.client_record_links").fetchall()}
    per_person_cost: dict[str, float] = defaultdict(float)
    for rec in e2e.recs:
        per_person_cost[rec.person_id] += sum(cost_in(rec, lo, hi) for lo, hi in months_of(rec))
    client_cost = {c: float(v) for c, v in con.execute(
        "select client_id, sum(cost) from marts.fct_cost_monthly group by all").fetchall()}
    flags = {c: (ta, tf, sw) for c, ta, tf, sw in con.execute(
        "select client_id, ever_temporary_accommodation, in_troubled_families, housing_benefit_switch"
        " from marts.dim_client").fetchall()}
    by_client: dict[str, set] = defaultdict(set)
    for f in data.person_files:
        for r in f.accepted_rows:
            by_client[links[(f.name, r.source_row)]].add(r.person_id)

    checked = with_cost = 0
    for pid, rows in people.items():
        clients = {links[row] for row in rows}
        assert len(clients) == 1, (pid, clients)
        (client,) = clients
        assert by_client[client] == {pid}, (pid, client, by_client[client])
        assert close(client_cost.get(client, 0.0), per_person_cost.get(pid, 0.0)), (pid, client)
        codes = {f.schema_code for f in data.files for name, _ in rows if f.name == name}
        assert flags[client] == ("H01A" in codes, "TF01" in codes, "RB03" in codes), (pid, client, codes)
        checked += 1
        with_cost += per_person_cost.get(pid, 0.0) > 0
    assert checked >= 100 and with_cost >= 50, (checked, with_cost)


# ----------------------------------------------------------------- every check, for one long test

def check_everything(e2e) -> None:
    """Every check of tests/test_e2e_demo.py, in one call (for Spark, where each build is slow)."""
    for check in (check_every_file_loads_and_only_the_planted_rows_are_rejected,
                  check_loading_the_same_file_again_changes_nothing,
                  check_every_accepted_row_is_linked_to_a_client,
                  check_monthly_cost_per_service_type_matches_the_contract,
                  check_service_and_grand_totals,
                  check_the_demo_printed_its_reports_and_timings):
        check(e2e)
    for lo, hi in ((dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
                   (dt.date(2025, 6, 15), dt.date(2025, 11, 3))):
        check_services_report_matches_the_contract(e2e, lo, hi)
    check_client_ids_stable(e2e)
    check_reports_and_lookup(e2e)
    check_rpt_marts_suppress_small_numbers(e2e)
    check_exact_report_is_logged(e2e)
    check_households_match_who_lives_together(e2e)


def check_rpt_marts_suppress_small_numbers(e2e) -> None:
    """The published aggregate marts suppress small numbers (docs/disclosure.md), checked
    against counts from the facts; a borough of this size has rows of both kinds."""
    from helpers.disclosure_checks import check_rpt_marts_suppress_small_numbers as check

    hidden = check(lambda sql: e2e.con.execute(sql).fetchall())
    assert 0 < hidden["rpt_spend_by_service"] < hidden["services"], hidden
    assert 0 < hidden["rpt_ta_vs_population"] <= hidden["services"], hidden


def check_exact_report_is_logged(e2e) -> None:
    """`costcalc report --exact` on this engine: exact figures, said to be not for
    publication, and a row in audit.exact_report_log naming the user and the filters."""
    import json

    from click.testing import CliRunner

    from costcalc.cli import main
    from costcalc.lookup import default_user

    args = ["--warehouse", str(e2e.warehouse), "--target", e2e.target, "report", "services", "--exact",
            "--format", "json", "--from", "2025-04-01", "--to", "2026-03-31", "--service", "Housing Benefit"]
    with target_env(e2e.target, **e2e.env):
        res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["disclosure"]["exact"] is True and all(isinstance(r["cost"], float) for r in doc["rows"])
    assert "NOT FOR PUBLICATION" in res.stderr
    log_id = int(re.search(r"logged as exact report run (\d+) by ", res.stderr).group(1))
    sql = "select run_by, report, period_from, period_to, filters from audit.exact_report_log where log_id = ?"
    if e2e.target == "duckdb":  # the audit logs live in the restricted file beside the warehouse
        from costcalc.warehouse.restricted_store import restricted_connection

        with restricted_connection(e2e.warehouse, read_only=True) as rcon:
            rows = rcon.execute(sql, [log_id]).fetchall()
    else:
        rows = e2e.con.execute(sql, [log_id]).fetchall()
    assert len(rows) == 1
    run_by, report, p_from, p_to, filters = rows[0]
    assert report == "services" and (p_from, p_to) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert json.loads(filters) == {"services": ["Housing Benefit"]}
    # who: the OS account on DuckDB, the database session's user on a server
    if e2e.target == "duckdb":
        assert run_by == default_user()
    elif e2e.target == "postgres":
        assert run_by == e2e.con.execute("select session_user").fetchone()[0]
    else:  # Spark: the session's user, as costcalc.lookup.audited_user names it
        assert run_by


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
    from costcalc.warehouse.targets import is_server

    con = e2e.con
    f = reports.ReportFilters(date_from=dt.date(2025, 4, 1), date_to=dt.date(2026, 3, 31))
    top = reports.top_clients(con, f, limit=5)
    assert 0 < len(top.rows) <= 5
    client = top.rows[0]["client_id"]
    breakdown = reports.client_breakdown(con, client, f)
    assert breakdown.rows
    # values that would be SQL if they were pasted in are just values: a hostile service name
    # matches no service (the other one given still does), a hostile membership no client
    hostile_service = reports.services(con, reports.ReportFilters(
        date_from=f.date_from, date_to=f.date_to, services=("x') or 1=1 --", "Temporary Accommodation")))
    assert hostile_service.rows
    assert {r["service"] for r in hostile_service.rows} == {"Temporary Accommodation"}
    hostile_member = reports.services(con, reports.ReportFilters(
        date_from=f.date_from, date_to=f.date_to, with_memberships=("'; drop table marts.dim_client; --",)))
    assert hostile_member.rows == []
    assert con.execute("select count(*) from marts.dim_client").fetchone()[0] > 0
    totals = defaultdict(float)
    for r in reports.services(con, f, exact=True).rows:
        totals[r["service"]] += float(r["cost"])
    assert set(totals) >= {"Temporary Accommodation", "Housing Benefit"}
    with target_env(e2e.target, **e2e.env):
        result = lookup_client(e2e.warehouse, client, "Case review 1234, duty team", user="engine-test",
                               purpose="A", case_reference="CR-2025-1234")
        assert result.found and len(result.records) > 0
        # the audit (in the restricted layer: its own file on DuckDB) names the account that ran
        # the lookup, its purpose and case; --user is only a claim kept beside it
        from costcalc.warehouse.restricted_store import restricted_connection

        with restricted_connection(e2e.warehouse, read_only=not is_server(e2e.target)) as rcon:
            audit = rcon.execute("select client_id, claimed_user, looked_up_by, purpose, case_reference "
                                 "from audit.lookup_log where lookup_id = ?", [result.lookup_id]).fetchall()
    assert [(a, b, p, r) for a, b, _, p, r in audit] == [(client, "engine-test", "A", "CR-2025-1234")]
    assert audit[0][2] and audit[0][2] != "engine-test"


# ----------------------------------------------------------------- households

def check_households_match_who_lives_together(e2e):
    """The household index against the generator's residence ground truth (tests/helpers/household_eval.py):
    pairwise precision and recall of "lives together" at the month ends of 2025/26 (docs/households.md)."""
    from helpers import household_eval

    days = household_eval.month_ends(dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    s = household_eval.score(e2e.con, e2e.data.truth_dir, days)
    assert s.true_pairs > 300 and s.predicted_pairs > 300, s  # enough households to mean something
    assert s.precision >= 0.98 and s.recall >= 0.90, s
    # every client with an address is in a household; household costs are their clients' costs
    no_household = e2e.con.execute("""select count(*) from marts.dim_client c where not exists (
        select 1 from marts.fct_household_membership m where m.client_id = c.client_id)""").fetchone()[0]
    assert no_household == 0
    households, clients = e2e.con.execute("""select (select sum(cost) from marts.fct_household_cost_monthly),
        (select sum(cost) from marts.fct_cost_monthly)""").fetchone()
    assert abs(float(households) - float(clients)) < 0.01
    shared, placed = e2e.con.execute("""select count(*) filter (where is_shared_address),
        count(*) filter (where is_temporary_accommodation) from marts.dim_household""").fetchone()
    assert shared > 0 and placed > 0
    # the household reports add up to the client reports, on every engine
    from costcalc.reports.households import household_breakdown, top_households

    f = reports.ReportFilters(date_from=dt.date(2025, 4, 1), date_to=dt.date(2026, 3, 31))
    top = top_households(e2e.con, f, limit=100_000).rows
    services_total = sum(float(r["cost"]) for r in reports.services(e2e.con, f, exact=True).rows)
    assert close(sum(float(r["cost"]) for r in top), services_total)
    first = top[0]
    members = household_breakdown(e2e.con, first["household_id"], f).rows
    assert close(sum(float(r["cost"]) for r in members), float(first["cost"]))
    assert {r["client_id"] for r in members} and all(r["client_id"].startswith("C") for r in members)
