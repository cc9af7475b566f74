"""Realistic sample files for all six schemas, with ground truth.

``generate(out_dir, people=30000, seed=2026)`` builds a fictional borough
(households, address histories, people who move, twins, temporary
accommodation away from home), decides who uses which service, and writes the
extracts each service would send: overlapping H01A and ASC01 extracts, monthly
RB01 snapshots, RB03 and TF01 lists and a GS00 'Substance Misuse' file, with
typos, case and spacing differences, every cost frequency (and its synonyms),
blank rows and a few bad rows.

The ground truth (which person every row belongs to, and which rows are
planted errors) is written apart, to ``<out_dir>/_truth/``, and never loaded.
See docs/demo.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

from ..schemas import get_schema
from .files import DemoFile, add_blank_row, plant, write
from .gazetteer import gazetteer_rows
from .population import AS_AT, Population
from .services import (DemoRow, Refs, adult_social_care, housing_benefit, housing_benefit_switch, month_ends,
                       substance_misuse, temporary_accommodation, troubled_families)

__all__ = ["DemoData", "DemoFile", "DemoRow", "generate", "AS_AT", "DEFAULT_PEOPLE", "DEFAULT_SEED",
           "TRUTH_DIR"]

DEFAULT_PEOPLE = 30_000
DEFAULT_SEED = 2026
TRUTH_DIR = "_truth"
#: The generic (GS00) service of the demo: file type, display name and provider.
GS00_FILE_TYPE = ("substance_misuse", "Substance Misuse", "public_health")

TA_EXTRACTS = [dt.date(2025, 3, 31), dt.date(2025, 9, 30), AS_AT]
ASC_EXTRACTS = [dt.date(2025, 3, 31), dt.date(2025, 9, 30), AS_AT]
GS_EXTRACTS = [dt.date(2025, 9, 30), AS_AT]


@dataclass
class DemoData:
    out_dir: Path
    seed: int
    people: int
    files: list[DemoFile]  # in load order (oldest extract first)
    population: Population
    truth_dir: Path

    def file(self, name: str) -> DemoFile:
        return next(f for f in self.files if f.name == name)

    @property
    def person_files(self) -> list[DemoFile]:
        """The files about people (every file but the address gazetteer)."""
        return [f for f in self.files if f.schema_code != "GZ01"]

    def by_schema(self, code: str) -> list[DemoFile]:
        return [f for f in self.files if f.schema_code == code]


def _clean_previous(out: Path) -> None:
    """Remove the files a previous run wrote here (listed in its manifest), and their error reports."""
    manifest = out / TRUTH_DIR / "manifest.json"
    if not manifest.exists():
        return
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for entry in previous.get("files", []):
        for p in (out / entry["name"], out / (entry["name"] + ".errors.csv")):
            if p.exists() and p.parent == out:
                p.unlink()


def generate(out_dir: str | Path = "demo_data", people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED,
             snapshots: int = 6, intensity: float = 1.0) -> DemoData:
    """Generate the demo borough and write its files to ``out_dir`` (deterministic for a seed).

    ``snapshots``: how many monthly RB01 snapshots. ``intensity`` multiplies every
    service's take-up rate (tests use a small but busy borough)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clean_previous(out)
    pop = Population(random.Random(f"{seed}:population"), people)
    refs = Refs(random.Random(f"{seed}:refs"))

    ta_rows, placements = temporary_accommodation(pop, seed, random.Random(f"{seed}:ta"), refs, TA_EXTRACTS, intensity)
    ta_households = {pl.hid for pl in placements}
    asc_rows = adult_social_care(pop, seed, random.Random(f"{seed}:asc"), refs, ASC_EXTRACTS, intensity)
    rb_snaps = month_ends(AS_AT, snapshots)
    rb_rows, claims = housing_benefit(pop, seed, random.Random(f"{seed}:hb"), rb_snaps, ta_households,
                                     intensity)
    hb_households = {pop.by_id[c.pid].hid for c in claims}
    rb03_rows = housing_benefit_switch(pop, seed, random.Random(f"{seed}:rb03"), claims)
    tf_rows = troubled_families(pop, seed, random.Random(f"{seed}:tf"), ta_households, hb_households,
                                intensity)
    first_placed: dict[int, dt.date] = {}
    for pl in placements:
        first_placed[pl.hid] = min(pl.start, first_placed.get(pl.hid, pl.start))
    placed = {p.pid: first_placed[h.hid] for h in pop.households if h.hid in first_placed
              for p in h.members if p.age_on(first_placed[h.hid]) >= 18}
    gs_rows = substance_misuse(pop, seed, random.Random(f"{seed}:gs"), refs, GS_EXTRACTS, intensity, placed)

    h01a_headers = {"pin": "PIN", "address1": "Address1", "address2": "Address2", "address3": "Address3",
                    "address4": "Address4", "postcode": "Postcode", "ni": "NI", "firstname": "FirstName",
                    "surname": "Surname", "dob": "DOB", "residents": "Residents", "startdate": "StartDate",
                    "enddate": "EndDate", "cost": "Cost", "proptype": "PropType", "propsubtype": "PropSubType"}
    asc_csv_headers = {"nhsno": "NHS Number", "dob": "Date of Birth", "start": "Start Date", "end": "End Date",
                       "pricestart": "Price Start", "priceend": "Price End", "servicetype": "Service Type",
                       "primarysupportreasoncategory": "Primary Support Reason",
                       "carepackagelineitemid": "Care Package Line Item ID", "firstname": "First Name",
                       "ascid": "ASC ID", "postcode": "Post Code"}
    tf_headers = {"individualid": "IndividualID", "familyid": "FamilyID", "firstname": "FirstName",
                  "lastname": "LastName", "dob": "DOB", "address_1": "Address_1", "address_2": "Address_2",
                  "postcode": "Postcode", "uprn": "UPRN", "localuprn": "LocalUPRN"}
    gs_headers = {"extref": "ExtRef", "address1": "Address1", "address2": "Address2", "address3": "Address3",
                  "address4": "Address4", "postcode": "Postcode", "ni": "NI", "nhsno": "NHSNo",
                  "firstname": "FirstName", "surname": "Surname", "dob": "DOB", "startdate": "StartDate",
                  "enddate": "EndDate", "cost": "Cost", "costfrequency": "CostFrequency",
                  "servicedesc": "ServiceDesc"}
    rb03_headers = {"claimno": "Claim No", "nino": "NINO", "title": "Title", "firstname": "First Name",
                    "lastname": "Last Name", "dob": "Date of Birth", "postcode": "Postcode", "address": "Address"}

    files: list[DemoFile] = []

    def add(f: DemoFile) -> DemoFile:
        files.append(f)
        return f

    ta_files, asc_files, gs_files = {}, {}, {}
    for x in TA_EXTRACTS:
        ta_files[x] = DemoFile(f"TA_placements_{x.isoformat()}.xlsx", "H01A", "temporary_accommodation",
                               "housing_needs", x, ta_rows[x], headers=h01a_headers)
    for i, x in enumerate(ASC_EXTRACTS):
        last = i == len(ASC_EXTRACTS) - 1
        asc_files[x] = DemoFile(f"ASC_service_lines_{x.strftime('%Y%m%d')}.{'csv' if last else 'xlsx'}", "ASC01",
                                "adult_social_care", "adult_social_care", x, asc_rows[x],
                                fmt="csv" if last else "xlsx", encoding="utf-8-sig", money_style="mixed",
                                headers=asc_csv_headers if last else {})
        if last:  # the CSV export drops the team column
            for r in asc_rows[x]:
                r.extra = {}
    for i, x in enumerate(GS_EXTRACTS):
        gs_files[x] = DemoFile(f"substance_misuse_{x.isoformat()}.csv", "GS00", GS00_FILE_TYPE[0],
                               GS00_FILE_TYPE[2], x, gs_rows[x], fmt="csv", encoding="cp1252",
                               date_style="dmy" if i == 0 else "iso", headers=gs_headers)
    rb_files = []
    for i, snap in enumerate(rb_snaps):
        rb_files.append(DemoFile(
            f"HB_entitlement_snapshot_{snap.isoformat()}.csv", "RB01", "housing_benefit", "revenues_benefits", snap,
            rb_rows[snap], fmt="csv", encoding="cp1252" if i < 2 else ("utf-8" if i % 2 else "utf-8-sig"),
            date_style="compact" if i == 3 else "dmy",
            headers={c.name: c.name.upper() for c in get_schema("RB01").columns}))  # RB01 exports shout
    rb03_file = DemoFile(f"HB_paid_to_landlord_{AS_AT.isoformat()}.xlsx", "RB03", "housing_benefit_switch",
                         "revenues_benefits", AS_AT, rb03_rows, headers=rb03_headers)
    tf_file = DemoFile(f"troubled_families_{AS_AT.isoformat()}.csv", "TF01", "troubled_families",
                       "troubled_families", AS_AT, tf_rows, fmt="csv", encoding="cp1252", headers=tf_headers)

    # Load order: by extract date (what a council would have loaded over time).
    for x in sorted(set(TA_EXTRACTS) | set(ASC_EXTRACTS) | set(GS_EXTRACTS) | set(rb_snaps)):
        if x in ta_files:
            add(ta_files[x])
        if x in asc_files:
            add(asc_files[x])
        if x in gs_files:
            add(gs_files[x])
        for f in rb_files:
            if f.extract_date == x:
                add(f)
    add(rb03_file)
    add(tf_file)
    # The council's address gazetteer (LLPG extract), loaded last.
    add(DemoFile(f"LLPG_extract_{AS_AT.isoformat()}.csv", "GZ01", "address_gazetteer", "corporate_gis", AS_AT,
                 gazetteer_rows(pop, random.Random(f"{seed}:gazetteer"), AS_AT), fmt="csv",
                 headers={"uprn": "UPRN", "address_line_1": "Address Line 1", "address_line_2": "Address Line 2",
                          "address_line_3": "Address Line 3", "address_line_4": "Address Line 4",
                          "postcode": "Postcode"}))

    # Bad rows the loader must reject (each named in the ground truth), and blank rows it must skip.
    prng = random.Random(f"{seed}:planted")
    ta = [ta_files[x] for x in TA_EXTRACTS]
    asc = [asc_files[x] for x in ASC_EXTRACTS]
    gs = [gs_files[x] for x in GS_EXTRACTS]
    add_blank_row(prng, ta[0])
    plant(prng, ta[1], "surname missing", {"surname": None})
    plant(prng, ta[1], "dob missing ('not known')", {"dob": "not known"})
    plant(prng, ta[2], "postcode missing", {"postcode": None})
    plant(prng, ta[2], "proptype missing", {"proptype": None})
    plant(prng, asc[1], "unknown frequency 'Quarterly'", {"frequency": "Quarterly"})
    plant(prng, asc[2], "servicetype missing", {"servicetype": None})
    plant(prng, asc[2], "start not a real date", {"start": "31/13/2025"})
    if len(rb_files) >= 3:
        plant(prng, rb_files[2], "claim reference missing", {"housing_benefit_claim_reference_number": None})
        plant(prng, rb_files[2], "date of birth not a real date", {"claimants_date_of_birth": "30/02/1985"})
    plant(prng, rb03_file, "nino missing", {"nino": None})
    plant(prng, tf_file, "dob missing", {"dob": None})
    plant(prng, tf_file, "lastname missing", {"lastname": None})
    plant(prng, gs[0], "unknown frequency 'Per hour'", {"costfrequency": "Per hour"})
    add_blank_row(prng, gs[0])
    plant(prng, gs[1], "servicedesc missing", {"servicedesc": None})
    plant(prng, gs[1], "postcode missing ('Unknown')", {"postcode": "Unknown"})

    files = [f for f in files if f.rows]  # a service with nobody in it sends nothing
    for f in files:
        write(f, out)
    truth = out / TRUTH_DIR
    truth.mkdir(exist_ok=True)
    _write_truth(truth, files, pop, seed, people, snapshots, intensity)
    return DemoData(out, seed, people, files, pop, truth)


def _write_truth(truth: Path, files: list[DemoFile], pop: Population, seed: int, people: int,
                 snapshots: int, intensity: float) -> None:
    with open(truth / "rows.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["source_file", "source_row", "schema_code", "person_id", "record_id", "status",
                    "planted_column", "planted_error"])
        for f in files:
            if f.schema_code == "GZ01":  # the gazetteer's rows are addresses, not people's records
                continue
            for r in f.rows:
                status = "blank" if r.blank else ("rejected" if r.planted_error else "accepted")
                w.writerow([f.name, r.source_row, f.schema_code, r.person_id or "", r.record_id or "", status,
                            r.planted_column or "", r.planted_error or ""])
    with open(truth / "people.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["person_id", "household_id", "firstname", "surname", "sex", "dob", "ni", "nhs_number",
                    "twin_of", "postcodes"])
        for p in pop.people:
            pcs = []
            for _, a in p.addresses:
                if a.postcode not in pcs:
                    pcs.append(a.postcode)
            w.writerow([p.pid, p.hid, p.first, p.surname, p.sex, p.dob.isoformat(), p.ni or "", p.nhs,
                        p.twin_of or "", ";".join(pcs)])
    # Who lived where, and with which household, over time: two people live together
    # on a day when both have a row covering it with the same household and address.
    with open(truth / "residence.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["person_id", "household_id", "valid_from", "valid_to", "uprn", "shared_address"])
        for p in pop.people:
            for i, (start, a) in enumerate(p.addresses):
                end = p.addresses[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(p.addresses) else None
                w.writerow([p.pid, p.hid, start.isoformat(), end.isoformat() if end else "", a.uprn,
                            "yes" if pop.book.is_shared(a) else ""])
    manifest = {
        "seed": seed, "people": people, "rb01_snapshots": snapshots, "intensity": intensity, "as_at": AS_AT.isoformat(),
        "note": "Synthetic data. Ground truth for tests and matching benchmarks; never load these files.",
        "files": [{"name": f.name, "schema_code": f.schema_code, "file_type": f.file_type, "provider": f.provider,
                   "extract_date": f.extract_date.isoformat(), "format": f.fmt,
                   "encoding": f.encoding if f.fmt == "csv" else None,
                   "rows": len(f.data_rows), "rejected": len(f.rejected_rows)} for f in files],
    }
    (truth / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
