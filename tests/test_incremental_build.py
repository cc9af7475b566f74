"""Incremental builds give what a full build gives (issue 14; docs/scale.md and
docs/matching.md, "Incremental builds"). On DuckDB and PostgreSQL, with real CSV files, real loads,
real `costcalc match unlink` and `costcalc unload`, and real builds.

One warehouse is built after each step incrementally (a plain `costcalc build`),
and then again with `--full-refresh`: every mart, the stored monthly costs of
clients and households and every client id must be identical, and so must
matching: every scored pair (profile keys, levels, score, link), every cluster
and the stored pair levels, and the stored source rows and records
(int_source_rows, int_records). A fresh
warehouse loading the same files (less the unloaded one) and building with
`--full-refresh` must give the same people (clusters of source rows) and
households (sets of people) with the same costs; its ids may differ only
where the first warehouse's history retired an id (a merge), so the fresh one
is compared by the rows each client holds, not by id. The records carry
addresses, so people live together, join a household and move out of one.

Steps: A (six people); B (a new person, a new record for an old one, and a
record that bridges two of A's clusters: a merge); an unlink decision (a
split) and a newer extract of A's file (newest extract date wins, and ongoing
records run to the new date; in it one person moves out of a household with
no change to anyone's service use); `costcalc unload` of B; an interrupted
build (the state a build stopped half-way leaves: models up to the stored
costs rebuilt, the marts not, and stored costs of a client and of a household
deleted without their replacement), then another file. Only the pairs with a
new or changed profile are compared again
(int_match_pair_levels.levelled_by_invocation), and only the records with a
new, staged again or removed source row are worked out again
(int_records.recorded_by_invocation), also when a build stopped after
staging (int_source_rows) and before int_records; likewise only those records'
matching details are worked out again (int_match_record_details.detailed_by_invocation),
and an unlink decision works out none. A second test pushes a
blocking value over the skew limit with a new record (pairs of old records
leave the comparison) and unloads it again (they come back). A third switches
costcalc.yml's matching.first_name_conflict between builds: no pair is
compared again, and each incremental build equals a full refresh. A fourth
checks the grain test of the stored costs. A fifth checks the pathways cohort
(fct_pathways_cohort; its per-client part kept in int_pathways_client_months):
a new person in a stratum works out only that person and changes the weights
of clients not worked out again; a new entry month works out everyone. A sixth changes the placeholder and name-variant seeds
(every record's matching details worked out again) and links two records by hand (none worked
out again), each equal to a full refresh.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from contextlib import ExitStack
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import main
from costcalc.ingest.landing import load_file
from costcalc.paths import PROJECT_ENV
from costcalc.transform.build import build as dbt_build
from costcalc.transform.publish import build_and_publish
from helpers import matchgen
from helpers import postgres as pg
from helpers.engines import Engine

REPO = Path(__file__).resolve().parents[1]
HEADER = ["extref", "postcode", "address1", "ni", "nhsno", "firstname", "surname", "dob", "startdate", "enddate",
          "cost", "costfrequency", "servicedesc"]
TA_HEADER = ["pin", "address1", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "proptype"]
TA_FILES = {"pw_ta1.csv", "pw_ta2.csv"}
REASON = "Loaded into the wrong provider folder, ticket 5120"
rng = random.Random(14)
NHS = matchgen.valid_nhs(rng)
NI = "JK123456A"


def gs(extref, first, surname, dob, postcode, start, end, cost, freq="Weekly", desc="Support", ni="", nhs="",
       address=""):
    return [extref, postcode, address, ni, nhs, first, surname, dob, start, end, str(cost), freq, desc]


A = [
    gs("A1", "Ann", "Adams", "01/01/1970", "TW3 1AB", "01/01/2023", "", 70, address="1 High Street"),  # ongoing
    # Ben lives with Eve (one household), until A's newer extract has him elsewhere (a move)
    gs("A2", "Ben", "Brown", "02/02/1980", "TW9 1AA", "15/03/2023", "30/06/2024", 140, "Fortnightly",
       address="3 Mill Lane"),
    # one person as two clusters: the same NHS number is on one, the NI number on the other,
    # and her surname changed: too little in common to link ...
    gs("A3", "Cara", "Dunn", "03/03/1985", "TW5 6JL", "01/06/2023", "", 7, "Daily", nhs=NHS,
       address="5 Oak Road"),
    gs("A4", "Cara", "Evans", "03/03/1985", "LS1 2AB", "01/09/2023", "31/12/2023", 300, "Monthly", ni=NI,
       address="9 Park Lane"),
    gs("A5", "Dev", "Patel", "04/04/1990", "TW7 4HJ", "01/02/2023", "", 99, "One-off", address="7 Elm Avenue"),
    gs("A6", "Eve", "Khan", "05/05/1960", "TW9 1AA", "10/10/2022", "31/12/2023", 500,
       "Intermittent (per Financial Year)", address="3 Mill Lane"),
]
B = [
    # a new person, who joins Dev's household
    gs("B1", "Fay", "Green", "06/06/1975", "TW7 4HJ", "01/01/2024", "", 35, address="7 Elm Ave"),
    gs("B2", "Ann", "Adams", "01/01/1970", "TW3 1AB", "01/01/2024", "31/01/2024", 10, "Daily", desc="Meals",
       address="1 High Street"),
    # ... until a record holding both numbers bridges them
    gs("B3", "Cara", "Dunn", "03/03/1985", "TW5 6JL", "01/01/2024", "", 14, ni=NI, nhs=NHS,
       address="5 Oak Road"),
]
# A's file again, extracted later: A4's cost corrected, A1 ended; ongoing records now run to its date;
# Ben has moved out of Eve's home: his costs from the move on go to his new household, although neither
# his nor Eve's service use changed
A_LATER = [row[:] for row in A]
A_LATER[0][9] = "29/02/2024"
A_LATER[3][10] = "310"
A_LATER[1][1:3] = ["EF3 4GH", "8 New Road"]
E = [gs("E1", "Gus", "Hill", "07/07/1955", "EF1 1AA", "01/03/2024", "", 21, address="2 Hill Road"),
     gs("E2", "Dev", "Patel", "04/04/1990", "TW7 4HJ", "01/03/2024", "31/03/2024", 5, "Daily", address="7 Elm Avenue"),
     # Ben at his new home: his costs fall to two households, month by month
     gs("E3", "Ben", "Brown", "02/02/1980", "EF3 4GH", "01/03/2024", "", 20, address="8 New Road")]

EXTRACT = {"a.csv": dt.date(2024, 1, 31), "b.csv": dt.date(2024, 2, 29), "a_later.csv": dt.date(2024, 3, 31),
           "e.csv": dt.date(2024, 3, 31)}
ROWS = {"a.csv": A, "b.csv": B, "a_later.csv": A_LATER, "e.csv": E}

MARTS = ["client_record_links", "fct_service_use", "fct_cost_monthly", "dim_client", "fct_client_membership",
         "rpt_spend_by_client", "rpt_spend_by_service", "rpt_client_breakdown", "rpt_ta_vs_population",
         "fct_household_membership", "dim_household", "fct_household_cost_monthly", "fct_pathways_cohort"]


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project directory of the test's own: its decisions go to its seeds, and every
    build (incremental, full, fresh) reads them; suppression off to compare arithmetic."""
    root = tmp_path / "project"
    (root / "seeds").mkdir(parents=True)
    (root / "seeds" / "match_decisions.csv").write_text(
        (REPO / "seeds" / "match_decisions.csv").read_text().splitlines()[0] + "\n")
    (root / "costcalc.yml").write_text("disclosure:\n  threshold: 1\n")
    monkeypatch.setenv(PROJECT_ENV, str(root))
    return root


class Warehouse:
    """One warehouse on one engine (a DuckDB file, or a PostgreSQL database of its own)."""

    def __init__(self, engine: Engine, path: Path, files: Path):
        self.engine, self.path, self.files = engine, path, files
        self.target = path.parent / f"dbt_target_{path.stem}"

    def load(self, name: str) -> int:
        path = self.files / name
        schema, file_type, header = ("H01A", "temporary_accommodation", TA_HEADER) if name in TA_FILES else (
            "GS00", "general_service", HEADER)
        if not path.exists():
            with open(path, "w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerows([header, *ROWS[name]])
        with self.engine.selected():
            res = load_file(self.path, path, schema=schema, file_type=file_type, extract_date=EXTRACT[name])
        assert res.status == "loaded", res.message
        return res.load_id

    def build(self, full_refresh: bool = False):
        with self.engine.selected():
            result = build_and_publish(self.path, target_path=self.target, full_refresh=full_refresh)
        assert result.success and result.published, result.summary()
        return result

    def cli(self, *args):
        with self.engine.selected():
            res = CliRunner().invoke(main, ["--warehouse", str(self.path), *args])
        assert res.exit_code == 0, res.output
        return res

    def query(self, sql: str) -> list:
        con = self.engine.open(self.path)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def table(self, name: str) -> list:
        rows = self.query(f"SELECT * FROM {name}")
        return sorted((tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows), key=repr)

    def state(self) -> dict:
        """Every mart, the stored monthly costs (less which build costed them) and the ledger's current ids."""
        out = {m: self.table(f"marts.{m}") for m in MARTS}
        for name in ("int_match_pairs", "int_match_clusters", "int_match_candidates"):
            out[name] = self.table(f"intermediate.{name}")
        out["int_match_pair_levels"] = self.table(  # less which build compared them
            "(SELECT pk_a, pk_b, fp_a, fp_b, levels_logic, nhs_level, ni_level, sn_level, fn_level, dob_level, "
            "pc_level, addr_level FROM intermediate.int_match_pair_levels) AS l")
        out["int_cost_monthly"] = sorted(
            (c, s, t, str(m), round(float(v), 6), h, sig) for c, s, t, m, v, h, sig in self.query(
                "SELECT client_id, service, service_type, month, cost, inputs_hash, inputs_signature "
                "FROM intermediate.int_cost_monthly"))
        for name, written_by in (("int_source_rows", "staged_by_invocation"),
                                 ("int_records", "recorded_by_invocation"),
                                 ("int_match_record_details", "detailed_by_invocation")):
            out[name] = self.table_less(f"intermediate.{name}", written_by)
        out["int_pathways_client_months"] = sorted(  # less which build worked them out
            ((c, str(m), e, a, t, h, sig) for c, m, e, a, t, h, sig in self.query(
                "SELECT client_id, reference_month, is_entrant, age_band, household_type, inputs_hash, "
                "inputs_signature "
                "FROM intermediate.int_pathways_client_months")), key=repr)
        out["int_household_cost_monthly"] = sorted(
            (hh, s, t, str(m), round(float(v), 6), h, sig) for hh, s, t, m, v, h, sig in self.query(
                "SELECT household_id, service, service_type, month, cost, inputs_hash, inputs_signature "
                "FROM intermediate.int_household_cost_monthly"))
        # the household evidence kept by load (less which build worked it out)
        out["int_household_observation_rows"] = self.table(
            "(SELECT load_id, record_key, schema_code, surname_norm, address_key, uprn_key, is_communal_address, "
            "uprn, family_id, evidence_from, evidence_to, known_end, inputs_hash, inputs_signature "
            "FROM intermediate.int_household_observation_rows) AS o")
        out["int_household_observations"] = self.table("intermediate.int_household_observations")
        return out

    def observed_by(self) -> dict:
        """load -> the build(s) that worked out its household evidence (int_household_observation_rows)."""
        return self.written_by("int_household_observation_rows", "load_id", "observed_by_invocation")

    def table_less(self, name: str, column: str) -> list:
        """The rows of ``name`` (schema.table) without ``column`` (which build wrote them)."""
        schema, table = name.split(".")
        columns = [c for (c,) in self.query(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = '{schema}' AND table_name = '{table}' ORDER BY ordinal_position")]
        assert column in columns, (name, columns)
        return self.table(f"(SELECT {', '.join(c for c in columns if c != column)} FROM {name}) AS t")

    def recorded_by(self) -> dict:
        """record_key -> the build that worked out its row of int_records."""
        return dict(self.query("SELECT record_key, recorded_by_invocation FROM intermediate.int_records"))

    def record_keys_of(self, source_file: str) -> set:
        """The records with a source row from ``source_file`` (int_source_rows)."""
        return {k for (k,) in self.query("SELECT record_key FROM intermediate.int_source_rows "
                                         f"WHERE source_file = '{source_file}'")}

    def held_rows(self) -> dict:
        """client -> the set of source rows (file, row) it holds."""
        rows: dict[str, set] = {}
        for f, r, client in self.query("SELECT source_file, source_row, client_id FROM marts.client_record_links"):
            rows.setdefault(client, set()).add((f, r))
        return rows

    def members(self) -> dict:
        """household -> the set of its members, each as the source rows it holds."""
        rows = self.held_rows()
        members: dict[str, set] = {}
        for household, client in self.query("SELECT household_id, client_id FROM marts.fct_household_membership"):
            members.setdefault(household, set()).add(frozenset(rows[client]))
        return members

    def people(self) -> dict:
        """Each client as the set of source rows it holds -> its monthly costs (ids left out)."""
        rows = self.held_rows()
        costs: dict[str, list] = {}
        for client, service, st, month, cost in self.query(
                "SELECT client_id, service, service_type, month, cost FROM marts.fct_cost_monthly"):
            costs.setdefault(client, []).append((service, st, str(month), round(float(cost), 6)))
        return {frozenset(held): sorted(costs.get(client, [])) for client, held in rows.items()}

    def households(self) -> dict:
        """Each household as the set of its members (each as the source rows it holds) -> its monthly costs."""
        members = self.members()
        costs: dict[str, list] = {}
        for household, service, st, month, cost in self.query(
                "SELECT household_id, service, service_type, month, cost FROM marts.fct_household_cost_monthly"):
            costs.setdefault(household, []).append((service, st, str(month), round(float(cost), 6)))
        return {frozenset(held): sorted(costs.get(household, [])) for household, held in members.items()}

    def cohort(self) -> list:
        """fct_pathways_cohort with each unit as the source rows it holds (a client) or as the
        set of its members (a household), not by id: a fresh warehouse may number them otherwise."""
        rows, members = self.held_rows(), self.members()
        out = []
        for r in self.table("marts.fct_pathways_cohort"):
            level, unit = r[0], r[6]
            held = frozenset(rows[unit]) if level == "client" else frozenset(members[unit])
            out.append(r[:6] + (held,) + r[7:])
        return sorted(out, key=repr)

    def weights(self, client: str) -> dict:
        """(window, reference month) -> the client's weight in fct_pathways_cohort."""
        return {(w, str(m)): round(float(x), 6) for w, m, x in self.query(
            "SELECT window_months, reference_month, weight FROM marts.fct_pathways_cohort "
            f"WHERE level = 'client' AND unit_id = '{client}'")}

    def pathways_evaluated_by(self) -> dict:
        """client -> the build(s) that worked out their stored pathways rows (int_pathways_client_months)."""
        return self.written_by("int_pathways_client_months", "client_id", "evaluated_by_invocation")

    def pathways_inputs(self) -> dict:
        return dict(self.query("SELECT client_id, inputs_hash FROM intermediate.int_pathways_client_inputs"))

    def households_of(self, client: str) -> set:
        return {h for (h,) in self.query("SELECT household_id FROM marts.fct_household_membership "
                                         f"WHERE client_id = '{client}'")}

    def household_costs(self, household: str) -> list:
        return sorted((s, t, str(m), round(float(c), 6)) for s, t, m, c in self.query(
            "SELECT service, service_type, month, cost FROM marts.fct_household_cost_monthly "
            f"WHERE household_id = '{household}'"))

    def detailed_by(self) -> dict:
        """record_key -> the build that worked out its matching details (int_match_record_details)."""
        return dict(self.query("SELECT record_key, detailed_by_invocation FROM intermediate.int_match_record_details"))

    def levelled_by(self) -> dict:
        """(pk_a, pk_b) -> the build that compared the pair (int_match_pair_levels)."""
        return {(a, b): inv for a, b, inv in self.query(
            "SELECT pk_a, pk_b, levelled_by_invocation FROM intermediate.int_match_pair_levels")}

    def profiles(self) -> dict:
        """profile key -> its fingerprint (int_match_profiles.match_fp)."""
        return dict(self.query("SELECT profile_key, match_fp FROM intermediate.int_match_profiles"))

    def written_by(self, table: str, key: str, column: str) -> dict:
        """key -> the build(s) that wrote its stored rows of intermediate.``table`` (``column``)."""
        out: dict = {}
        for k, inv in self.query(f"SELECT DISTINCT {key}, {column} FROM intermediate.{table}"):
            out.setdefault(k, set()).add(inv)
        return out

    def costed_by(self) -> dict:
        """client -> the build(s) that costed its stored rows."""
        return self.written_by("int_cost_monthly", "client_id", "costed_by_invocation")

    def households_costed_by(self) -> dict:
        """household -> the build(s) that costed its stored rows."""
        return self.written_by("int_household_cost_monthly", "household_id", "costed_by_invocation")


@pytest.fixture
def warehouses(engine, tmp_path):
    """make(name) -> an empty Warehouse on the engine under test."""
    with ExitStack() as stack:
        def make(name: str) -> Warehouse:
            files = tmp_path / "files"
            files.mkdir(exist_ok=True)
            if engine.name == "postgres":
                db = stack.enter_context(pg.fresh_database())
                return Warehouse(Engine("postgres", {"COSTCALC_PG_DATABASE": db}), tmp_path / f"{name}.duckdb", files)
            return Warehouse(engine, tmp_path / f"{name}.duckdb", files)
        yield make


def check_incremental_equals_full(w: Warehouse, via_cli: bool = False) -> dict:
    """The state the incremental build left equals what a full refresh of the same warehouse
    makes (``via_cli``: `costcalc build --full-refresh`)."""
    incremental = w.state()
    before = set().union(*w.costed_by().values(), *w.households_costed_by().values())
    if via_cli:
        w.cli("build", "--full-refresh")
    else:
        w.build(full_refresh=True)
    full = w.state()
    after = set().union(*w.costed_by().values(), *w.households_costed_by().values())
    assert len(after) == 1 and not after & before  # everything costed again, by the one full build
    assert set(w.levelled_by().values()) == after  # and every pair compared again, by the same build
    assert set(w.recorded_by().values()) == after  # and every record worked out again
    assert set(w.detailed_by().values()) == after  # and every record's matching details
    assert set().union(*w.observed_by().values()) == after  # and every load's household evidence worked out again
    assert set().union(*w.pathways_evaluated_by().values()) == after  # and every client's pathways rows
    for name in incremental:
        assert incremental[name] == full[name], f"{name} differs between the incremental and the full build"
    return full


def check_same_people_as_fresh(w: Warehouse, fresh: Warehouse, files: list[str]) -> None:
    for f in files:
        fresh.load(f)
    fresh.build(full_refresh=True)
    assert w.people() == fresh.people()
    assert w.households() == fresh.households()
    assert w.cohort() == fresh.cohort()


def check_only_changed_pairs_compared(w: Warehouse, profiles_before: dict, levelled_before: dict) -> None:
    """After an incremental build: a pair whose two profiles were there with the same
    fingerprint and which was stored before kept its levels (and the build that compared
    it); every other pair was compared by this build. Both kinds must be there."""
    kept = compared = 0
    for pair, inv in w.levelled_by().items():
        old = all(pk in profiles_before and profiles_before[pk] == w.profiles()[pk] for pk in pair)
        if old and pair in levelled_before:
            assert inv == levelled_before[pair], f"pair {pair} of unchanged profiles was compared again"
            kept += 1
        else:
            assert inv not in levelled_before.values(), f"pair {pair} with a new profile was not compared"
            compared += 1
    assert kept and compared, (kept, compared)


def records_worked_out(w: Warehouse, before: dict) -> set:
    """The records of int_records that the last build(s) worked out again or anew (not kept from ``before``)."""
    return {k for k, inv in w.recorded_by().items() if before.get(k) != inv}


def details_worked_out(w: Warehouse, before: dict) -> set:
    """The records whose matching details (int_match_record_details) the last build(s) worked out
    again or anew (not kept from ``before``)."""
    return {k for k, inv in w.detailed_by().items() if before.get(k) != inv}


def stage_only(w: Warehouse, records_before: dict) -> set:
    """A build that stopped after staging: int_source_rows rebuilt, int_records not. The builds
    that staged rows (the stopped one among them, unless it had nothing to stage)."""
    with w.engine.selected():
        partial = dbt_build(w.path, "+int_source_rows", target_path=w.target)
    assert partial.success, partial.summary()
    assert w.recorded_by() == records_before  # int_records not built
    return {inv for (inv,) in w.query("SELECT DISTINCT staged_by_invocation FROM intermediate.int_source_rows")} \
        - set(records_before.values())


def observed_fingerprints(w: Warehouse) -> dict:
    """load -> the fingerprint its stored household evidence was worked out under
    (int_household_observation_inputs: the load's, int_load_inputs, with household_rows_logic())."""
    return dict(w.query("SELECT DISTINCT load_id, inputs_hash FROM intermediate.int_household_observation_rows"))


def check_only_changed_loads_observed(w: Warehouse, observed_before: dict, fingerprints_before: dict
                                      ) -> tuple[set, set]:
    """After an incremental build: the household evidence of a load that was stored before under
    the fingerprint it has now (its load's, with household_rows_logic) was kept, with the build
    that worked it out; every other load's was worked out by this build. Returns (kept loads,
    loads worked out again)."""
    kept, redone = set(), set()
    old = set().union(*observed_before.values())
    hashes = dict(w.query("SELECT load_id, inputs_hash FROM intermediate.int_household_observation_inputs"))
    for load, invs in w.observed_by().items():
        if load in observed_before and fingerprints_before.get(load) == hashes[load]:
            assert invs == observed_before[load], f"load {load}, unchanged, was worked out again"
            kept.add(load)
        else:
            assert len(invs) == 1 and not invs & old, f"load {load}, new or changed, was not worked out"
            redone.add(load)
    return kept, redone


def client_of(w: Warehouse, source_file: str, row: int) -> str:
    return w.query(f"SELECT client_id FROM marts.client_record_links WHERE source_file = '{source_file}' "
                   f"AND source_row = {row}")[0][0]


def test_incremental_builds_equal_full_builds_through_merge_split_supersede_unload_and_interruption(
        warehouses, project):
    w = warehouses("incremental")

    # A: the first build is a full one (nothing stored yet)
    a_load = w.load("a.csv")
    w.build()
    observed_a = w.observed_by()
    assert set(observed_a) == {a_load}
    check_incremental_equals_full(w)
    first_build = w.costed_by()
    first_households = w.households_costed_by()
    ann, cara_nhs, cara_ni = client_of(w, "a.csv", 2), client_of(w, "a.csv", 4), client_of(w, "a.csv", 5)
    ben, dev, eve = client_of(w, "a.csv", 3), client_of(w, "a.csv", 6), client_of(w, "a.csv", 7)
    assert cara_nhs != cara_ni
    # Eve and Ben live together; everyone else alone
    assert w.households_of(eve) == w.households_of(ben) and len(w.households_of(eve)) == 1
    eve_home, = w.households_of(eve)
    dev_home, = w.households_of(dev)
    dev_home_costs = w.household_costs(dev_home)

    # B: a new person, a new record for Ann, and a bridge that merges Cara's two clusters
    b_load = w.load("b.csv")
    profiles_a, levelled_a, records_a = w.profiles(), w.levelled_by(), w.recorded_by()
    observed_a, hashes_a, detailed_a = w.observed_by(), observed_fingerprints(w), w.detailed_by()
    w.build()
    # only B's records (new natural keys) were worked out, and normalised for matching; A's were kept
    assert records_worked_out(w, records_a) == w.record_keys_of("b.csv")
    assert details_worked_out(w, detailed_a) == w.record_keys_of("b.csv") and set(detailed_a) < set(w.detailed_by())
    assert len(w.record_keys_of("b.csv")) == 3 and set(records_a) < set(w.recorded_by())
    check_only_changed_pairs_compared(w, profiles_a, levelled_a)
    # only B's rows were worked out as household evidence; A's were kept
    assert check_only_changed_loads_observed(w, observed_a, hashes_a) == ({a_load}, {b_load})
    costed = w.costed_by()
    touched = {c for c, inv in costed.items() if inv != first_build.get(c)}
    # only what changed was costed again: Ann (a new record; her ongoing A1 also runs to the
    # newer extract date), Cara (merged) and Fay (new); Ben, Dev and Eve were not
    fay = client_of(w, "b.csv", 2)
    assert client_of(w, "b.csv", 3) == ann
    assert client_of(w, "a.csv", 4) == client_of(w, "a.csv", 5) == client_of(w, "b.csv", 4) == cara_nhs  # merged
    assert touched == {ann, cara_nhs, fay}
    for row in (3, 6, 7):  # Ben, Dev, Eve
        assert costed[client_of(w, "a.csv", row)] == first_build[client_of(w, "a.csv", row)]
    assert cara_ni not in costed  # the retired id's costs are gone
    # only the households of the touched clients were costed again: Ann's, merged Cara's and Dev's,
    # which Fay joined; Eve's (hers and Ben's) was not
    households = w.households_costed_by()
    touched_households = {h for h, inv in households.items() if inv != first_households.get(h)}
    assert w.households_of(fay) == {dev_home}
    assert touched_households == w.households_of(ann) | w.households_of(cara_nhs) | {dev_home}
    assert households[eve_home] == first_households[eve_home]
    assert w.household_costs(dev_home) != dev_home_costs  # Fay's costs are the household's now
    check_incremental_equals_full(w)
    check_same_people_as_fresh(w, warehouses("fresh_b"), ["a.csv", "b.csv"])

    # an unlink decision splits Cara again; a newer extract of A's file supersedes the old one
    w.cli("match", "unlink", "GS00:a.csv:4", "GS00:a.csv:5", "--reason", "Different people, checked with GP",
          "--user", "caseworker1")
    before_move, homes_before_move = w.costed_by(), w.households_costed_by()
    eve_home_costs = w.household_costs(eve_home)
    records_b, detailed_b = w.recorded_by(), w.detailed_by()
    later_load = w.load("a_later.csv")
    observed_b, hashes_b = w.observed_by(), observed_fingerprints(w)
    # a build stops right after staging (int_source_rows rebuilt, int_records not): the next build
    # stages nothing more, and must still work out again the records the new rows belong to
    staged_by_partial = stage_only(w, records_b)
    w.build()
    # the newer extract holds A's records again: exactly those were worked out again, not B's,
    # and by the build after the stopped one
    assert w.record_keys_of("a_later.csv") == w.record_keys_of("a.csv")
    assert records_worked_out(w, records_b) == w.record_keys_of("a.csv")
    # the unlink decision needs no record normalised again: only A's records (their rows changed) were
    assert details_worked_out(w, detailed_b) == w.record_keys_of("a.csv")
    by = {w.recorded_by()[k] for k in w.record_keys_of("a.csv")}
    assert len(by) == 1 and not by & staged_by_partial and set(w.query(
        "SELECT DISTINCT staged_by_invocation FROM intermediate.int_source_rows "
        "WHERE source_file = 'a_later.csv'")) == {(inv,) for inv in staged_by_partial}
    kept, redone = check_only_changed_loads_observed(w, observed_b, hashes_b)
    assert b_load in kept and later_load in redone
    assert client_of(w, "a.csv", 4) != client_of(w, "a.csv", 5)
    # Ben moved: his and Eve's costs were not computed again, but their household's were, for it lost his
    # months after the move to his new household
    assert w.costed_by()[ben] == before_move[ben] and w.costed_by()[eve] == before_move[eve]
    assert len(w.households_of(ben)) == 2 and eve_home in w.households_of(ben)
    assert w.households_costed_by()[eve_home] != homes_before_move[eve_home]
    assert w.household_costs(eve_home) != eve_home_costs
    check_incremental_equals_full(w, via_cli=True)
    check_same_people_as_fresh(w, warehouses("fresh_c"), ["a.csv", "b.csv", "a_later.csv"])

    # unload B: its records, the bridge and Fay leave; Fay's id is retired. A build stops right after
    # staging forgot B's rows; the next build must still forget B's records, and keep every other
    records_c, b_records, detailed_c = w.recorded_by(), w.record_keys_of("b.csv"), w.detailed_by()
    w.cli("unload", str(b_load), "--reason", REASON)
    observed_c, hashes_c = w.observed_by(), observed_fingerprints(w)
    stage_only(w, records_c)
    assert not w.record_keys_of("b.csv")
    w.build()
    assert w.recorded_by() == {k: inv for k, inv in records_c.items() if k not in b_records}
    assert w.detailed_by() == {k: inv for k, inv in detailed_c.items() if k not in b_records}
    # B's household evidence is gone with its rows; the other loads' was kept
    assert check_only_changed_loads_observed(w, observed_c, hashes_c) == ({a_load, later_load}, set())
    assert b_load not in w.observed_by()
    check_incremental_equals_full(w)
    check_same_people_as_fresh(w, warehouses("fresh_d"), ["a.csv", "a_later.csv"])

    # an interrupted build: the models up to the stored costs were rebuilt, the marts were not ...
    records_d = w.recorded_by()
    w.load("e.csv")
    with w.engine.selected():
        partial = dbt_build(w.path, "+int_cost_monthly +int_household_cost_monthly", target_path=w.target)
    assert partial.success, partial.summary()
    assert records_worked_out(w, records_d) == w.record_keys_of("e.csv")  # E's records only (new keys)
    # ... and a client's stored costs were deleted without their replacement
    victim = client_of(w, "a.csv", 7)
    con = w.engine.open(w.path)
    try:
        con.execute(f"DELETE FROM intermediate.int_cost_monthly WHERE client_id = '{victim}'")
        # ... and so were a household's
        con.execute(f"DELETE FROM intermediate.int_household_cost_monthly WHERE household_id = '{eve_home}'")
    finally:
        con.close()
    w.build()
    assert w.costed_by()[victim]  # costed again
    assert w.households_costed_by()[eve_home]
    # Ben's costs fall to his old home (Eve's) and his new one, month by month
    ben_homes = w.households_of(ben)
    assert len(ben_homes) == 2 and all(w.household_costs(h) for h in ben_homes)
    check_incremental_equals_full(w)
    check_same_people_as_fresh(w, warehouses("fresh_e"), ["a.csv", "a_later.csv", "e.csv"])


def test_a_build_checks_the_grain_of_the_costs_it_wrote_and_dbt_test_checks_every_stored_row(
        project, warehouses, engine):
    """int_cost_monthly's uniqueness test (the grain of marts.fct_cost_monthly; decision
    0009): in a build, only the rows that build costed; in `dbt test`, every row."""
    import json

    from costcalc.transform.build import invoke_dbt

    data_tests = ["test", "--select", "int_cost_monthly", "--resource-type", "test"]  # (not the unit tests)
    w = warehouses("grain")
    w.load("a.csv")
    w.build()
    run = json.loads((w.target / "run_results.json").read_text())
    grain = [r for r in run["results"] if r["unique_id"].startswith("test.costcalc.unique_combination_int_cost_monthly")]
    assert len(grain) == 1 and grain[0]["status"] == "pass"
    # scoped to this build's own rows: the compiled test names this build's invocation
    assert run["metadata"]["invocation_id"] in grain[0]["compiled_code"]
    assert {run["metadata"]["invocation_id"]} == set().union(*w.costed_by().values())

    # a duplicate in the stored rows, written (by hand here) before this build
    from costcalc.warehouse.connection import transaction

    con = w.engine.open(w.path)
    try:
        with transaction(con):
            con.execute("INSERT INTO intermediate.int_cost_monthly "
                        "SELECT * FROM intermediate.int_cost_monthly WHERE (client_id, service, month) IN "
                        "(SELECT client_id, service, month FROM intermediate.int_cost_monthly "
                        "ORDER BY client_id, service, month LIMIT 1)")
    finally:
        con.close()
    assert w.query("SELECT count(*) FROM (SELECT client_id, service, service_type, month "
                   "FROM intermediate.int_cost_monthly GROUP BY client_id, service, service_type, month "
                   "HAVING count(*) > 1) AS d") == [(1,)]
    w.build()  # nothing new: no rows written, none checked again
    with w.engine.selected():
        tested = invoke_dbt(w.path, data_tests, target_path=w.target)
    assert not tested.success
    assert any(f.startswith("unique_combination_int_cost_monthly") for f in tested.failures), tested.failures
    w.build(full_refresh=True)  # costs everyone again: the duplicate is gone
    with w.engine.selected():
        assert invoke_dbt(w.path, data_tests, target_path=w.target).success

KEPT = {  # every model kept between builds by a key: its key and the column naming the build that wrote a row
    "int_cost_monthly": ("client_id", "costed_by_invocation"),
    "int_household_cost_monthly": ("household_id", "costed_by_invocation"),
    "int_at_risk_hits_by_client": ("client_id", "evaluated_by_invocation"),
    "int_pathways_client_months": ("client_id", "evaluated_by_invocation"),
    "int_source_rows": ("load_id", "staged_by_invocation"),
    "int_records": ("record_key", "recorded_by_invocation"),
    "int_household_observation_rows": ("load_id", "observed_by_invocation"),
    "int_match_record_details": ("record_key", "detailed_by_invocation"),
}


def test_rows_stored_under_another_fingerprint_are_forgotten_and_worked_out_again_in_every_kept_model(
        project, warehouses):
    """The forget step (macros/incremental/forget_changed.sql) deletes a key's stored rows when
    the signature they carry (inputs_signature: of the key and its fingerprint) is not the one its
    inputs model gives now, which is what a changed fingerprint looks like to it; nothing else is
    forgotten. In every kept model, one key's rows are made to look stored under another
    fingerprint (their signature changed, and their values spoilt where they have values of
    their own): the next build with nothing new works out exactly that key again in each model,
    and the result equals a full refresh. A forget step that forgot too little would keep the
    spoilt rows (and the key's build), one that forgot too much would work out other keys."""
    from costcalc.warehouse.connection import transaction

    w = warehouses("forget")
    w.load("a.csv")
    w.load("b.csv")
    w.build()
    chosen, before = {}, {}
    con = w.engine.open(w.path)
    try:
        with transaction(con):
            for table, (key, _) in KEPT.items():
                k = con.execute(f"SELECT min({key}) FROM intermediate.{table}").fetchall()[0][0]
                assert k is not None, f"{table} has no rows to spoil"
                chosen[table] = k
                spoil = ", cost = cost + 1000" if table.endswith("cost_monthly") else ""
                literal = str(k) if isinstance(k, int) else "'" + str(k).replace("'", "''") + "'"
                con.execute(f"UPDATE intermediate.{table} SET inputs_signature = inputs_signature + "
                            f"(CASE WHEN inputs_signature > 0 THEN -1 ELSE 1 END){spoil} WHERE {key} = {literal}")
    finally:
        con.close()
    for table, (key, column) in KEPT.items():
        before[table] = w.written_by(table, key, column)
    w.build()
    for table, (key, column) in KEPT.items():
        after = w.written_by(table, key, column)
        redone = {k for k, inv in after.items() if inv != before[table].get(k)}
        assert redone == {chosen[table]}, (table, redone, chosen[table])
        assert not after[chosen[table]] & set().union(*before[table].values()), table
    check_incremental_equals_full(w)


# three different people sharing a date of birth and a postcode (nothing else): only the
# rule "date of birth + postcode" brings them together, 3 comparisons; a fourth makes 6
SKEW = [gs(f"S{i}", first, last, "08/08/1988", "TW2 2BB", "01/01/2024", "", 10)
        for i, (first, last) in enumerate([("Hal", "Irwin"), ("Ola", "Quinn"), ("Uma", "Vance")], 1)]
SKEW_MORE = [gs("S4", "Zed", "Yates", "08/08/1988", "TW2 2BB", "01/02/2024", "", 10)]
EXTRACT.update({"skew.csv": dt.date(2024, 1, 31), "skew_more.csv": dt.date(2024, 2, 29)})
ROWS.update({"skew.csv": SKEW, "skew_more.csv": SKEW_MORE})


def test_incremental_matching_follows_the_skew_limit_when_a_new_record_pushes_a_block_over_it(
        warehouses, project, monkeypatch):
    from costcalc.transform import build as build_module

    project_args = build_module.dbt_project_args
    monkeypatch.setattr(build_module, "dbt_project_args", lambda target_path=None, extra_vars=None: project_args(
        target_path, {"match_max_block_comparisons": 3, **(extra_vars or {})}))
    w = warehouses("skew")

    def skew_pairs() -> list:
        """The build that compared each stored pair of two profiles at that postcode."""
        return w.query("SELECT l.levelled_by_invocation FROM intermediate.int_match_pair_levels AS l "
                       "JOIN intermediate.int_match_profiles AS a ON a.profile_key = l.pk_a "
                       "JOIN intermediate.int_match_profiles AS b ON b.profile_key = l.pk_b "
                       "WHERE a.pc = 'TW22BB' AND b.pc = 'TW22BB'")

    w.load("a.csv")
    w.load("skew.csv")
    w.build()
    check_incremental_equals_full(w)
    assert len(skew_pairs()) == 3
    # a fourth profile puts the value over the limit: the three old pairs leave the comparison
    more = w.load("skew_more.csv")
    w.build()
    assert skew_pairs() == []
    assert w.query("SELECT count(*) FROM intermediate.int_match_skipped_blocks")[0][0] == 1
    check_incremental_equals_full(w)
    # unloaded again: the value is back under the limit and the old pairs are compared again
    w.cli("unload", str(more), "--reason", REASON)
    levelled = w.levelled_by()
    w.build()
    back = skew_pairs()
    assert len(back) == 3 and not set(back) & set(levelled.values())  # all three compared by this build
    assert set(levelled.values()) & set(w.levelled_by().values())  # while A's pair was kept
    check_incremental_equals_full(w)


def test_switching_the_first_name_conflict_between_builds_reuses_the_levels_and_equals_a_full_build(
        warehouses, project, monkeypatch):
    """costcalc.yml's matching.first_name_conflict (docs/matching.md "The first-name conflict")
    is decided where the pairs are scored, on the stored fn_level: switching it between two
    builds compares no pair again, and the incremental build gives the pairs, weights, clusters
    and ids of a full refresh, both ways (twins one client with it off, two with it on)."""
    from test_first_name_conflict import FILLER, HEAD
    from test_first_name_conflict import ROWS as TWINS

    w = warehouses("twins")
    with open(w.files / "twins.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEAD, *TWINS, *FILLER])
    monkeypatch.setitem(EXTRACT, "twins.csv", dt.date(2024, 3, 31))
    w.load("a.csv")
    w.load("twins.csv")
    w.build()

    def twins() -> int:  # rows 2 and 3 of twins.csv: Anna and Emma Micklethwaite
        return w.query("SELECT count(DISTINCT client_id) FROM marts.client_record_links "
                       "WHERE source_file = 'twins.csv' AND source_row IN (2, 3)")[0][0]

    assert twins() == 2
    for setting, clients in (("false", 1), ("true", 2)):
        (project / "costcalc.yml").write_text(f"disclosure:\n  threshold: 1\nmatching:\n  first_name_conflict: {setting}\n")
        levelled = w.levelled_by()
        w.build()
        assert w.levelled_by() == levelled  # no pair compared again: the setting changes no level
        assert twins() == clients
        check_incremental_equals_full(w)


RB01_HEADER = ["housing_benefit_claim_reference_number", "claimants_address_line_1", "claimants_postcode",
               "claimants_surname",
               "claimants_first_forename", "claimants_date_of_birth", "hb_claim_entitlement_start_date",
               "snapshot_date", "weekly_housing_benefit_entitlement"]


def test_a_late_earlier_snapshot_of_a_claim_and_its_unload_stage_the_claims_other_snapshots_again(
        project, warehouses, engine):
    """RB01's claim runs from its first snapshot to its last (min_over_key / max_over_key:
    staging reads across loads). A snapshot that arrives after a later one, and its unload,
    change what the later snapshot's rows stage to although that load did not change: every
    load of the schema is staged again (int_load_inputs), and each incremental build equals
    a full refresh."""
    w = warehouses("claims")

    def load(name: str, snapshot: str) -> int:
        path = w.files / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            # HB7 has no entitlement start date: its start is its earliest snapshot
            csv.writer(fh).writerows([RB01_HEADER, ["HB7", "1 High Street", "TW3 1AB", "Adams", "Ann", "01/01/1970", "", snapshot, "80"],
                                      ["HB8", "3 Mill Lane", "TW9 1AA", "Khan", "Eve", "05/05/1960", "01/01/2023", snapshot, "60"],
                                      # Ann's second claim: a candidate pair for matching to compare
                                      ["HB9", "1 High Street", "TW3 1AB", "Adams", "Anne", "01/01/1970", "01/02/2024", snapshot, "20"]])
        with w.engine.selected():
            res = load_file(w.path, path, schema="RB01", file_type="housing_benefit")
        assert res.status == "loaded", res.message
        return res.load_id

    def claim(reference: str) -> tuple:
        return w.query("SELECT start_date, end_date FROM intermediate.int_records r "
                       f"WHERE r.reference = '{reference}'")[0]

    march = load("hb_march.csv", "31/03/2024")
    w.build()
    assert [str(d) for d in claim("HB7")] == ["2024-03-31", "2024-03-31"]
    staged_before = {inv for (inv,) in w.query("SELECT DISTINCT staged_by_invocation FROM intermediate.int_source_rows")}

    january = load("hb_january.csv", "31/01/2024")  # an earlier snapshot, arriving late
    w.build()
    assert [str(d) for d in claim("HB7")] == ["2024-01-31", "2024-03-31"]
    # March's rows were staged again: their start is now January's snapshot
    assert {inv for (inv,) in w.query("SELECT DISTINCT staged_by_invocation FROM intermediate.int_source_rows "
                                      f"WHERE load_id = {march}")}.isdisjoint(staged_before)
    check_incremental_equals_full(w)

    w.cli("unload", str(january), "--reason", REASON)
    w.build()
    assert [str(d) for d in claim("HB7")] == ["2024-03-31", "2024-03-31"]
    assert [str(d) for d in claim("HB8")] == ["2023-01-01", "2024-03-31"]
    check_incremental_equals_full(w)


def test_a_change_of_a_household_var_works_out_every_loads_household_evidence_again(
        warehouses, project, monkeypatch):
    """int_household_observation_rows keeps each load's household evidence under an MD5 of
    household_observation_rows() as compiled (household_rows_logic), which holds the household
    vars it reads: household_lookback_days given with --vars works out every load's rows again
    (with the new evidence dates) and the build equals a full refresh; a build with the same vars
    keeps them all; going back to the default works them all out again."""
    from costcalc.transform import build as build_module

    project_args = build_module.dbt_project_args
    given: dict = {}
    monkeypatch.setattr(build_module, "dbt_project_args", lambda target_path=None, extra_vars=None: project_args(
        target_path, {**given, **(extra_vars or {})}))
    w = warehouses("hhvars")
    loads = {w.load("a.csv"), w.load("b.csv")}
    w.build()

    def evidence_from() -> dict:
        return dict(w.query("SELECT record_key, evidence_from FROM intermediate.int_household_observation_rows"))

    default_from = evidence_from()
    for lookback, redone in ((30, loads), (30, set()), (None, loads)):
        if lookback is None:
            given.clear()
        else:
            given["household_lookback_days"] = lookback
        observed, hashes = w.observed_by(), observed_fingerprints(w)
        w.build()
        kept, again = check_only_changed_loads_observed(w, observed, hashes)
        assert again == redone and kept == loads - redone
        if lookback == 30:  # a year of look-back became 30 days (no residence schema here)
            assert all((default_from[k] - v).days == 30 - 365 for k, v in evidence_from().items())
        else:
            assert evidence_from() == default_from
        check_incremental_equals_full(w)


# The pathways cohorts (docs/pathways.md) kept between builds: Ann (50 in December 2023, alone) enters
# TA on 10 December 2023; Ida and Jon (45-54, alone) were in the data then: her comparison, each
# weighing 1/2; Kim's record starts the data (January 2022), so Ann's 12-month window is complete
PW = [gs("W1", "Ida", "Irving", "01/01/1975", "TW1 1AA", "01/01/2023", "31/03/2024", 30, address="1 Ash Road"),
      gs("W2", "Jon", "Jarvis", "02/02/1976", "TW1 2AA", "01/06/2023", "31/01/2024", 40, address="2 Ash Road"),
      gs("W3", "Kim", "Kerr", "03/03/1974", "TW1 3AA", "01/01/2022", "30/06/2023", 50, address="4 Bay Road"),
      gs("W4", "Ann", "Ames", "05/05/1973", "TW1 4AA", "01/01/2023", "30/11/2023", 60, address="6 Cob Road")]
PW_TA1 = [["T1", "Room 1, Park Lodge", "UB3 4DD", "Ann", "Ames", "05/05/1973", "10/12/2023", "31/01/2024", "350",
           "Hostel"]]
# a new person in the data in December 2023 in Ida's and Jon's stratum: their weights fall to 1/3,
# although nothing of theirs changed
PW_B = [gs("W5", "Lou", "Lamb", "04/04/1977", "TW1 5AA", "01/11/2023", "31/12/2023", 20, address="8 Dee Road")]
# Jon placed in February 2024: a new entry month (everyone is worked out again) and he leaves the comparison;
# Ida, in the data then, is his comparison (both windows complete: the data starts in January 2022)
PW_TA2 = [*PW_TA1, ["T2", "Room 2, Park Lodge", "UB3 4DD", "Jon", "Jarvis", "02/02/1976", "15/02/2024", "31/03/2024",
                    "350", "Hostel"]]
EXTRACT.update({"pw.csv": dt.date(2024, 1, 31), "pw_ta1.csv": dt.date(2024, 1, 31), "pw_b.csv": dt.date(2024, 2, 29),
                "pw_ta2.csv": dt.date(2024, 3, 31)})
ROWS.update({"pw.csv": PW, "pw_ta1.csv": PW_TA1, "pw_b.csv": PW_B, "pw_ta2.csv": PW_TA2})


def test_pathways_cohort_kept_by_client_equals_a_full_build_when_strata_and_entry_months_change(
        warehouses, project):
    """int_pathways_client_months keeps each client's months in the data, age band and household
    type; fct_pathways_cohort works the strata and weights out in full from them. A new person in a
    stratum changes the weights of clients not worked out again; a new entry month works out
    everyone again. After each build: equal to a full refresh and to a fresh warehouse."""
    w = warehouses("pathways")
    w.load("pw.csv")
    w.load("pw_ta1.csv")
    w.build()
    check_incremental_equals_full(w)
    ann, ida, jon = client_of(w, "pw.csv", 5), client_of(w, "pw.csv", 2), client_of(w, "pw.csv", 3)
    assert w.query(f"SELECT cohort_group FROM marts.fct_pathways_cohort WHERE unit_id = '{ann}' "
                   "AND window_months = 12 AND level = 'client'") == [("TA entrants",)]
    assert w.weights(ida) == w.weights(jon) == {(12, "2023-12-01"): 0.5}
    check_same_people_as_fresh(w, warehouses("pw_fresh_a"), ["pw.csv", "pw_ta1.csv"])

    # a new person in Ida's and Jon's stratum: only Lou is worked out; their weights change
    evaluated, inputs = w.pathways_evaluated_by(), w.pathways_inputs()
    w.load("pw_b.csv")
    w.build()
    lou = client_of(w, "pw_b.csv", 2)
    after = w.pathways_evaluated_by()
    new_inputs = w.pathways_inputs()
    for client, inv in after.items():  # kept exactly when the client's fingerprint is the same
        assert (inv == evaluated.get(client)) == (inputs.get(client) == new_inputs[client]), client
    assert after[ida] == evaluated[ida] and after[jon] == evaluated[jon] and after[ann] == evaluated[ann]
    assert after[lou] != evaluated[ida]
    assert w.weights(ida) == w.weights(jon) == w.weights(lou) == {(12, "2023-12-01"): round(1 / 3, 6)}
    check_incremental_equals_full(w)
    check_same_people_as_fresh(w, warehouses("pw_fresh_b"), ["pw.csv", "pw_ta1.csv", "pw_b.csv"])

    # Jon enters TA in February 2024: a new entry month, everyone is worked out again
    evaluated = w.pathways_evaluated_by()
    w.load("pw_ta2.csv")
    w.build()
    after = w.pathways_evaluated_by()
    assert not set().union(*after.values()) & set().union(*evaluated.values())
    assert w.query(f"SELECT DISTINCT cohort_group FROM marts.fct_pathways_cohort WHERE unit_id = '{jon}' "
                   "AND level = 'client'") == [("TA entrants",)]
    assert w.weights(lou) == {(12, "2023-12-01"): 0.5}
    assert w.weights(ida) == {(12, "2023-12-01"): 0.5, (12, "2024-02-01"): 1.0, (24, "2024-02-01"): 1.0}
    check_incremental_equals_full(w)
    check_same_people_as_fresh(w, warehouses("pw_fresh_c"), ["pw.csv", "pw_ta1.csv", "pw_b.csv", "pw_ta2.csv"])


def test_matching_details_kept_by_record_follow_the_placeholder_and_name_variant_seeds_and_decisions(
        warehouses, project):
    """int_match_record_details keeps each record's matching details under its fingerprint and
    match_record_details_logic() (the macro as compiled and the rows of the placeholder and
    name-variant seeds): a project's own placeholder seed that makes Ben's and Eve's shared postcode
    a placeholder, and a name variant, each work out every record again and equal a full refresh;
    a manual link works out none again (the decision is applied in int_match_records) and equals a
    full refresh too; dropping the project's seeds again goes back to the first details."""
    w = warehouses("seeds")
    w.load("a.csv")
    w.load("b.csv")
    w.build()
    first = w.state()["int_match_record_details"]
    ben, eve = client_of(w, "a.csv", 3), client_of(w, "a.csv", 7)

    def details_of(source_row: int) -> tuple:
        return w.query(
            "SELECT d.pc, d.has_placeholder, d.fn_canon FROM intermediate.int_match_record_details d "
            "JOIN intermediate.int_source_rows s ON s.record_key = d.record_key "
            f"WHERE s.source_file = 'a.csv' AND s.source_row = {source_row}")[0]

    assert details_of(3)[:2] == ("TW91AA", 0) and details_of(7)[:2] == ("TW91AA", 0)
    placeholders = project / "seeds" / "match_placeholders.csv"
    placeholders.write_text((REPO / "seeds" / "match_placeholders.csv").read_text(encoding="utf-8")
                            + "postcode,value,TW9 1AA,,a shared office address given for everyone\n", encoding="utf-8")
    detailed = w.detailed_by()
    w.build()
    assert details_worked_out(w, detailed) == set(detailed)  # every record again
    assert details_of(3)[:2] == (None, 1) and details_of(7)[:2] == (None, 1)
    check_incremental_equals_full(w)

    variants = project / "seeds" / "match_name_variants.csv"
    variants.write_text((REPO / "seeds" / "match_name_variants.csv").read_text(encoding="utf-8")
                        + "EVE,EVELYN\n", encoding="utf-8")
    detailed = w.detailed_by()
    w.build()
    assert details_worked_out(w, detailed) == set(detailed)
    assert details_of(7)[2] == "EVELYN"
    check_incremental_equals_full(w)

    # a manual link of Ben and Eve: no record normalised again; both get a profile of their own
    detailed = w.detailed_by()
    w.cli("match", "link", "GS00:a.csv:3", "GS00:a.csv:7", "--reason", "Same person, checked with GP",
          "--user", "caseworker1")
    w.build()
    assert w.detailed_by() == detailed
    assert client_of(w, "a.csv", 3) == client_of(w, "a.csv", 7) and ben != eve
    check_incremental_equals_full(w)

    placeholders.unlink()
    variants.unlink()
    detailed = w.detailed_by()
    w.build()
    assert details_worked_out(w, detailed) == set(detailed)
    assert w.state()["int_match_record_details"] == first
    check_incremental_equals_full(w)
