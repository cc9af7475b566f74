"""What each council service knows about the demo borough's people, as the
rows of its extracts (one function per schema).

Every function returns ``{extract_date: [DemoRow, ...]}`` (rows in the order the
provider's system would export them). Row values are what is written to the
file: dates as ``datetime.date``, money as ``Decimal``, everything else as text.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from . import suppliers
from .population import AS_AT, Person, Population, postcode_as_typed, rand_date, recorded

ONE_DAY = dt.timedelta(days=1)


@dataclass
class DemoRow:
    """One data row of a demo file, with its ground truth."""

    values: dict
    person_id: str | None
    record_id: str | None
    planted_error: str | None = None  # why the loader must reject this row
    planted_column: str | None = None  # the column made bad
    blank: bool = False  # an empty row (skipped by the loader, neither accepted nor rejected)
    extra: dict = field(default_factory=dict)  # extra (non-schema) columns
    source_row: int = 0  # set when the file is written


#: How providers spell each frequency (None = left blank, meaning the column's default).
SPELLINGS = {
    "Weekly": ["Weekly", "Weekly", "Weekly", "weekly", "Per week", "pw", "WEEKLY", None],
    "Fortnightly": ["Fortnightly", "Every 2 weeks", "2 Weekly"],
    "4 Weekly": ["4 Weekly", "4 Weekly", "Four weekly", "Every 4 weeks", "4-weekly"],
    "Monthly": ["Monthly", "Monthly", "Per month", "pcm"],
    "Daily": ["Daily", "Nightly", "Per day", "daily"],
    "Annual": ["Annual", "Annually", "Yearly", "Per annum"],
    "One-off": ["One-off", "One off", "Single", "one-off"],
}


class Spellings:
    """Hands out each frequency's spellings in turn, so every one of them shows up."""

    def __init__(self, table: dict):
        self.table = table
        self.turn: dict[str, int] = defaultdict(int)

    def __call__(self, freq: str) -> str | None:
        options = self.table[freq]
        self.turn[freq] += 1
        return options[self.turn[freq] % len(options)]


def money(rng: random.Random, lo: float, hi: float) -> Decimal:
    return Decimal(f"{rng.uniform(lo, hi):.2f}")


def months_back(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    day = min(d.day, 28)
    return dt.date(y, m + 1, day)


def month_ends(last: dt.date, n: int) -> list[dt.date]:
    """The last days of the ``n`` months ending with ``last``'s month, oldest first."""
    out = []
    y, m = last.year, last.month
    for _ in range(n):
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        out.append(nxt - ONE_DAY)
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return sorted(out)


def fy_end(d: dt.date) -> dt.date:
    """31 March ending the financial year that contains ``d``."""
    return dt.date(d.year + (d.month >= 4), 3, 31)


class Refs:
    """Stable per-person references in each system (housing PIN, ASC id, ...)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._refs: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()

    def get(self, system: str, pid: str, fmt: str, digits: int) -> str:
        key = (system, pid)
        if key not in self._refs:
            while True:
                ref = fmt + str(self.rng.randint(10 ** (digits - 1), 10 ** digits - 1))
                if ref not in self._used:
                    break
            self._used.add(ref)
            self._refs[key] = ref
        return self._refs[key]


def _coarse(s: str) -> str:
    return "".join(c for c in s.upper() if c.isalpha())


def _nhs_as_typed(rng: random.Random, nhs: str) -> str:
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" if rng.random() < 0.3 else nhs


# ===================================================================== H01A

_TA_TYPES = {  # proptype: (weight, weekly cost range, duration days range, sub types)
    "Bed and Breakfast": (40, (320, 650), (14, 150), ["Shared facilities", "Self-contained"]),
    "Nightly Paid Annexe": (25, (260, 480), (30, 300), ["Self-contained annexe", "Shared annexe"]),
    "Hostel": (20, (180, 320), (30, 270), ["Council hostel", "Private hostel"]),
    "Private Sector Leased": (10, (170, 290), (120, 1000), ["Self-contained flat", "House"]),
    "Council Stock (Temporary)": (5, (110, 190), (60, 700), ["Decant", "Short life"]),
}
_TA_HOMELESS_RATE = {"single": 0.03, "couple": 0.015, "family": 0.03, "lone_parent": 0.09,
                     "older_single": 0.004, "older_couple": 0.002, "multigen": 0.02, "adult_twins": 0.05}


@dataclass
class Placement:
    pl_id: str
    hid: int
    start: dt.date
    end: dt.date | None  # None: still placed after AS_AT
    proptype: str
    subtype: str
    address: object
    cost: Decimal
    residents: int
    cost_change: tuple[int, Decimal] | None = None  # (from extract index, new weekly cost)


def temporary_accommodation(pop: Population, seed: int, rng: random.Random, refs: Refs,
                            extracts: list[dt.date], intensity: float = 1.0) -> tuple[dict, list[Placement]]:
    """H01A: households placed in temporary accommodation (TA at other addresses),
    three overlapping extracts that repeat placements with end dates filled in."""
    placements: list[Placement] = []
    types = list(_TA_TYPES)
    for h in pop.households:
        if rng.random() >= min(0.9, _TA_HOMELESS_RATE[h.kind] * intensity):
            continue
        start = rand_date(rng, dt.date(2021, 4, 1), dt.date(2026, 3, 20))
        first = rng.choices(types, [_TA_TYPES[t][0] for t in types])[0]
        chain = [first]
        if first in ("Bed and Breakfast", "Nightly Paid Annexe", "Hostel") and rng.random() < 0.5:
            chain.append(rng.choice(["Private Sector Leased", "Council Stock (Temporary)", "Nightly Paid Annexe"]))
        kept = [(s, a) for s, a in h.addresses if s < start]
        if not kept:
            kept = h.addresses[:1]
        addresses = list(kept)
        s = start
        end: dt.date | None = None
        for kind in chain:
            _, (clo, chi), (dlo, dhi), subs = _TA_TYPES[kind]
            e = s + dt.timedelta(days=rng.randint(dlo, dhi))
            end = e if e < AS_AT else None
            addr = pop.book.temporary(kind)
            if kind == "Hostel":  # hostels take many households at one address
                addr = pop.book.hostel()
            addresses.append((s, addr))
            placements.append(Placement(f"PL{len(placements) + 1:05d}", h.hid, s, end, kind, rng.choice(subs),
                                        addr, money(rng, clo, chi), len(h.members)))
            if end is None:
                break
            s = end + ONE_DAY
        if end is not None:  # settled again somewhere in the borough
            addresses.append((end + ONE_DAY, pop.book.home()))
        pop.set_household_addresses(h, addresses)

    # Some ongoing placements are re-priced; a later extract carries the new weekly cost.
    for pl in placements:
        live = [i for i, x in enumerate(extracts[:-1]) if pl.start <= x and (pl.end is None or pl.end > x)]
        if live and rng.random() < 0.12:
            pl.cost_change = (live[0] + 1, (pl.cost * Decimal(rng.choice(["1.03", "1.05", "0.95", "1.10"])))
                              .quantize(Decimal("0.01")))

    households = {h.hid: h for h in pop.households}
    officers = ["JS", "AK", "PB", "RM", "HD", "SG", "TO"]
    key_owner: dict = {}
    out: dict = {}
    for idx, x in enumerate(extracts):
        rows = []
        window_from = months_back(x, 12)
        for pl in placements:
            if pl.start > x or (pl.end is not None and pl.end < window_from):
                continue
            h = households[pl.hid]
            for p in h.members:
                if p.age_on(pl.start) < 18:
                    continue
                rec = recorded(seed, p, "H01A")
                key = (_coarse(rec.surname), rec.dob, pl.address.postcode, pl.start)
                # Household members the contract's key cannot tell apart (twins placed
                # together) are left out, so that one row stays one placement.
                if key_owner.setdefault(key, (pl.pl_id, p.pid)) != (pl.pl_id, p.pid):
                    continue
                rr = random.Random(f"{seed}:H01A:{pl.pl_id}:{p.pid}")
                cost = pl.cost if not pl.cost_change or idx < pl.cost_change[0] else pl.cost_change[1]
                rows.append(DemoRow({
                    "pin": refs.get("H01A", p.pid, "HN", 6),
                    "address1": pl.address.line1, "address2": pl.address.line2,
                    "address3": pl.address.town, "address4": pl.address.county if rr.random() < 0.5 else None,
                    "postcode": postcode_as_typed(rr, pl.address.postcode),
                    "ni": p.ni if p.ni and rr.random() < 0.7 else None,
                    "firstname": rec.first, "surname": rec.surname, "dob": rec.dob,
                    "residents": pl.residents, "startdate": pl.start,
                    "enddate": pl.end if pl.end is not None and pl.end <= x else None,
                    "cost": cost, "proptype": pl.proptype, "propsubtype": pl.subtype,
                    "supplier": _ta_supplier(pl, f"{seed}:{pl.pl_id}:{p.pid}:{idx}"),
                }, p.pid, f"{pl.pl_id}:{p.pid}", extra={"Case Officer": rr.choice(officers)}))
        rows.sort(key=lambda r: (r.values["startdate"], r.values["pin"]))
        out[x] = rows
    return out, placements


def _ta_supplier(pl: Placement, row_key: str) -> str:
    """The placement's accommodation provider, as this row writes it (demo/suppliers.py)."""
    _, (low, high), _, _ = _TA_TYPES[pl.proptype]
    name = suppliers.choose(suppliers.TA_SUPPLIERS[pl.proptype], pl.cost, low, high, pl.pl_id)
    return suppliers.as_written(name, row_key)


# ==================================================================== ASC01

_PSR_OLDER = ["Physical Support: Personal Care Support", "Physical Support: Access & Mobility Only",
              "Support with Memory & Cognition", "Sensory Support: Support for Visual Impairment",
              "Social Support: Support for Social Isolation/Other"]
_ASC_PRICES = {  # service type: [(frequency, low, high)]
    "Residential Care": [("Weekly", 700, 1150)],
    "Nursing Care": [("Weekly", 850, 1450)],
    "Home Care": [("Weekly", 120, 650), ("4 Weekly", 480, 2600)],
    "Day Care": [("Weekly", 90, 380)],
    "Respite Care": [("Daily", 110, 175)],
    "Direct Payment": [("4 Weekly", 600, 2400), ("Monthly", 650, 2600)],
    "Supported Living": [("Weekly", 900, 1800), ("Annual", 45000, 95000)],
    "Equipment": [("One-off", 120, 3500)],
    "Telecare": [("Annual", 180, 320)],
    "Meals": [("Daily", 5.5, 7.5)],
}
_ASC_TEAMS = ["Older People East", "Older People West", "Learning Disabilities", "Mental Health", "Reablement"]


@dataclass
class Line:
    lid: str
    pid: str
    service: str
    stype: str
    psr: str
    start: dt.date
    end: dt.date | None  # None: still running after AS_AT
    freq: str
    spelling: str | None
    base: Decimal
    uplift: Decimal
    blank_first_pricestart: bool


def _price_periods(line: Line, upto: dt.date) -> list[tuple[dt.date, dt.date, Decimal]]:
    """(price start, price end, unit) per financial year the line runs in, up to ``upto``."""
    if line.freq == "One-off":
        return [(line.start, line.start, line.base)]
    out = []
    s, k = line.start, 0
    while s <= upto:
        fe = fy_end(s)
        e = min(fe, line.end) if line.end else fe
        out.append((s, e, (line.base * (1 + line.uplift) ** k).quantize(Decimal("0.01"))))
        if line.end and line.end <= fe:
            break
        s, k = fe + ONE_DAY, k + 1
    return out


def _asc_supplier(line: Line, row_key: str) -> str | None:
    """The care line's provider, as this row writes it; none for a direct payment."""
    names = suppliers.ASC_SUPPLIERS.get(line.stype)
    if not names:
        return None
    _, low, high = next(p for p in _ASC_PRICES[line.stype] if p[0] == line.freq)
    return suppliers.as_written(suppliers.choose(names, line.base, low, high, line.lid), row_key)


def adult_social_care(pop: Population, seed: int, rng: random.Random, refs: Refs,
                      extracts: list[dt.date], intensity: float = 1.0) -> dict:
    """ASC01: care package lines priced per financial year; overlapping extracts."""
    lines: list[Line] = []
    spell = Spellings(SPELLINGS)

    def add(p: Person, stype: str, start: dt.date, days: int | None, psr: str, service: str = "Long Term Support"):
        if start >= AS_AT:
            return None
        freq, lo, hi = rng.choice(_ASC_PRICES[stype])
        end = None if days is None else start + dt.timedelta(days=days)
        if freq == "One-off":
            end = start
        elif end is not None and end >= AS_AT:
            end = None
        line = Line(f"CPL{len(lines) + 1:07d}", p.pid, service, stype, psr, start, end, freq,
                    spell(freq), money(rng, lo, hi), Decimal(rng.choice(["0.03", "0.04", "0.05", "0.06"])),
                    rng.random() < 0.1)
        lines.append(line)
        return line

    def exp_days(mean: float) -> int:
        return max(7, int(rng.expovariate(1 / mean)))

    twins_done: set[str] = set()
    for p in pop.people:
        age = p.age_on(AS_AT)
        if age < 18:
            continue
        twin_household = pop.households[p.hid - 1].kind == "adult_twins"
        if twin_household:
            if p.pid in twins_done or rng.random() > 0.7:
                continue
            # Adult twins with a learning disability, both supported (same surname, dob, address).
            for q in pop.households[p.hid - 1].members:
                twins_done.add(q.pid)
                s = rand_date(rng, dt.date(2014, 1, 1), dt.date(2025, 6, 1))
                add(q, "Supported Living", s, None, "Learning Disability Support")
                add(q, "Day Care", s + dt.timedelta(days=rng.randint(0, 90)), None, "Learning Disability Support")
            continue
        if age >= 65:
            chance = 0.025 if age < 75 else (0.08 if age < 85 else 0.2)
        else:
            chance = 0.006
        if rng.random() >= min(0.9, chance * intensity):
            continue
        if age >= 65:
            psr = rng.choice(_PSR_OLDER)
            s0 = rand_date(rng, dt.date(2018, 1, 1), dt.date(2026, 3, 20))
            path = rng.choices("ABCD", [45, 25, 15, 15])[0]
            if path in "ACD":
                hc_days = exp_days(500)
                if path == "C":
                    add(p, "Respite Care", s0, rng.randint(7, 21), psr, "Short Term Support")
                    s0 = s0 + dt.timedelta(days=rng.randint(30, 120))
                if path == "D":
                    add(p, "Day Care", s0, exp_days(400), psr)
                add(p, "Home Care", s0, hc_days, psr)
                if rng.random() < 0.5:
                    add(p, "Equipment", s0, 0, psr, "Equipment & Adaptations")
                if rng.random() < 0.3:
                    add(p, "Telecare", s0, hc_days, psr)
                if rng.random() < 0.1:
                    add(p, "Meals", s0, exp_days(300), psr)
                if rng.random() < 0.4:
                    s1 = s0 + dt.timedelta(days=hc_days + 1)
                    line = add(p, rng.choice(["Residential Care", "Nursing Care"]), s1, exp_days(800), psr)
                    if line:
                        p.move(s1, pop.book.care_home())
            else:
                line = add(p, rng.choice(["Residential Care", "Nursing Care"]), s0, exp_days(900), psr)
                if line:
                    p.move(s0, pop.book.care_home())
        else:
            kind = rng.choices(["ld", "mh", "ph"], [50, 25, 25])[0]
            if kind == "ld":
                s0 = rand_date(rng, dt.date(2012, 1, 1), dt.date(2026, 3, 1))
                add(p, rng.choice(["Supported Living", "Direct Payment"]), s0, None if rng.random() < 0.8 else exp_days(900),
                    "Learning Disability Support")
                if rng.random() < 0.5:
                    add(p, "Day Care", s0 + dt.timedelta(days=rng.randint(0, 200)), exp_days(1200),
                        "Learning Disability Support")
            else:
                psr = "Mental Health Support" if kind == "mh" else "Physical Support: Personal Care Support"
                s0 = rand_date(rng, dt.date(2019, 1, 1), dt.date(2026, 3, 1))
                add(p, rng.choice(["Direct Payment", "Home Care"]), s0, exp_days(700), psr)
                if rng.random() < 0.3:
                    add(p, "Equipment", s0, 0, psr, "Equipment & Adaptations")

    out: dict = {}
    for x in extracts:
        window_from = x - dt.timedelta(days=548)
        rows = []
        for line in lines:
            if line.start > x:
                continue
            p = pop.by_id[line.pid]
            periods = [pp for pp in _price_periods(line, x) if pp[0] <= x]
            for i, (ps, pe, unit) in enumerate(periods):
                last_known = i == len(periods) - 1
                end = line.end if line.end is not None and line.end <= x else None
                priceend = None if last_known else pe
                if line.freq == "One-off":
                    end, priceend = line.start, None
                eff_end = min(d for d in (end, priceend, x) if d is not None)
                if eff_end < window_from:
                    continue
                rec = recorded(seed, p, "ASC01")
                addr = p.address_on(x)
                rr = random.Random(f"{seed}:ASC01:{line.lid}:{i}:{x}")
                rows.append(DemoRow({
                    "ascid": refs.get("ASC01", p.pid, "AS", 6),
                    "address1": addr.line1, "address2": addr.line2, "address3": None, "town": addr.town,
                    "county": addr.county, "postcode": postcode_as_typed(rr, addr.postcode),
                    "nhsno": _nhs_as_typed(rr, p.nhs) if rr.random() < 0.85 else None,
                    "firstname": rec.first, "surname": rec.surname, "dob": rec.dob,
                    "start": line.start, "end": end,
                    "pricestart": None if (i == 0 and line.blank_first_pricestart) or line.freq == "One-off" else ps,
                    "priceend": priceend, "cost": unit, "frequency": line.spelling,
                    "service": line.service, "servicetype": line.stype,
                    "primarysupportreasoncategory": line.psr, "carepackagelineitemid": line.lid,
                    "supplier": _asc_supplier(line, f"{seed}:{line.lid}:{i}:{x}"),
                }, p.pid, f"{line.lid}:{ps.isoformat()}",
                    extra={"Team": "Learning Disabilities" if "Learning" in line.psr else
                           ("Mental Health" if "Mental" in line.psr else rr.choice(_ASC_TEAMS[:2] + _ASC_TEAMS[4:]))}))
        rows.sort(key=lambda r: (r.values["ascid"], r.values["carepackagelineitemid"], r.record_id))
        out[x] = rows
    return out


# ===================================================================== RB01

_HB_RATE = {"single": 0.12, "couple": 0.06, "family": 0.12, "lone_parent": 0.45, "older_single": 0.30,
            "older_couple": 0.20, "multigen": 0.15, "adult_twins": 0.5}
_TENANCIES = [("Council", 30), ("Housing Association", 30), ("Private Rented", 35), ("Temporary Accommodation", 5)]


@dataclass
class Claim:
    ref: str
    pid: str
    start: dt.date
    end: dt.date | None
    weekly: Decimal
    change: tuple[int, Decimal] | None
    blank_start: bool
    tenancy: str
    rent_period: str
    rent: Decimal


def housing_benefit(pop: Population, seed: int, rng: random.Random, snapshots: list[dt.date],
                    ta_households: set[int], intensity: float = 1.0) -> tuple[dict, list[Claim]]:
    """RB01: monthly snapshots of every live claim; the claimant's address as at each snapshot."""
    claims: list[Claim] = []
    used: set[str] = set()
    for h in pop.households:
        rate = min(0.9, _HB_RATE[h.kind] * intensity + (0.5 if h.hid in ta_households else 0))
        if rng.random() >= rate:
            continue
        lead = h.lead
        if lead.age_on(AS_AT) < 18:
            continue
        if rng.random() < 0.8:
            start = rand_date(rng, max(dt.date(2012, 1, 1), lead.dob.replace(day=1) + dt.timedelta(days=18 * 366)),
                              snapshots[0])
        else:
            start = rand_date(rng, snapshots[0] + ONE_DAY, AS_AT - dt.timedelta(days=10))
        end = rand_date(rng, max(start, snapshots[0] - dt.timedelta(days=20)), AS_AT) if rng.random() < 0.15 else None
        if not any(start <= s and (end is None or end > s) for s in snapshots):
            continue
        while True:
            ref = str(rng.randint(10000000, 99999999))
            if ref not in used:
                used.add(ref)
                break
        weekly = money(rng, 40, 320)
        change = None
        if rng.random() < 0.25 and len(snapshots) > 1:
            change = (rng.randint(1, len(snapshots) - 1), (weekly * Decimal(f"{rng.uniform(0.7, 1.3):.3f}")).quantize(Decimal("0.01")))
        tenancy = "Temporary Accommodation" if h.hid in ta_households and rng.random() < 0.5 else \
            rng.choices([t for t, _ in _TENANCIES], [w for _, w in _TENANCIES])[0]
        period = rng.choice(["Weekly", "Weekly", "Calendar Monthly", "4 Weekly"])
        rent = weekly + money(rng, 0, 80)
        if period == "Calendar Monthly":
            rent = (rent * 52 / 12).quantize(Decimal("0.01"))
        elif period == "4 Weekly":
            rent = rent * 4
        claims.append(Claim(ref, lead.pid, start, end, weekly, change, rng.random() < 0.03, tenancy, period, rent))

    out: dict = {}
    for idx, snap in enumerate(snapshots):
        rows = []
        for c in claims:
            if not (c.start <= snap and (c.end is None or c.end > snap)):
                continue
            p = pop.by_id[c.pid]
            rec = recorded(seed, p, "RB01")
            addr = p.address_on(snap)
            rr = random.Random(f"{seed}:RB01:{c.ref}")  # same typing habits every month
            weekly = c.weekly if not c.change or idx < c.change[0] else c.change[1]
            rows.append(DemoRow({
                "housing_benefit_claim_reference_number": c.ref,
                "claimants_address_line_1": addr.line1.upper(), "claimants_address_line_2": addr.line2.upper(),
                "claimants_address_line_3": addr.town.upper(), "claimants_address_line_4": None,
                "claimants_postcode": postcode_as_typed(rr, addr.postcode),
                "claimants_national_insurance_number": p.ni if rr.random() < 0.97 else None,
                "claimants_title": p.title.upper(), "claimants_first_forename": rec.first,
                "claimants_surname": rec.surname, "claimants_date_of_birth": rec.dob,
                "hb_claim_entitlement_start_date": None if c.blank_start else c.start,
                "snapshot_date": snap, "weekly_housing_benefit_entitlement": weekly,
                "weekly_eligible_rent_amount": weekly + Decimal("12.50") if c.tenancy == "Private Rented" else weekly,
                "contractual_rent_amount": c.rent, "time_period_contractual_rent_figure_covers": c.rent_period,
                "tenancy_type": c.tenancy,
            }, p.pid, c.ref))
        rows.sort(key=lambda r: r.values["housing_benefit_claim_reference_number"])
        out[snap] = rows
    return out, claims


# ===================================================================== RB03

def housing_benefit_switch(pop: Population, seed: int, rng: random.Random, claims: list[Claim]) -> list[DemoRow]:
    """RB03: claimants whose benefit is paid straight to the landlord."""
    rows = []
    for c in claims:
        if c.tenancy not in ("Private Rented", "Housing Association") or rng.random() >= 0.2:
            continue
        p = pop.by_id[c.pid]
        rec = recorded(seed, p, "RB03")
        addr = p.address_on(AS_AT)
        rows.append(DemoRow({
            "claimno": c.ref, "nino": p.ni, "title": p.title, "firstname": rec.first, "lastname": rec.surname,
            "dob": rec.dob, "postcode": postcode_as_typed(rng, addr.postcode),
            "address": f"{addr.line1}, {addr.town}",
        }, p.pid, f"RB03:{p.pid}"))
    rows.sort(key=lambda r: r.values["lastname"].strip().upper())
    return rows


# ===================================================================== TF01

def troubled_families(pop: Population, seed: int, rng: random.Random, ta_households: set[int],
                      hb_households: set[int], intensity: float = 1.0) -> list[DemoRow]:
    """TF01: every member of the families in the programme (twins included)."""
    rows = []
    fam = 0
    ind = rng.randint(100000, 200000)
    twin_households = [h.hid for h in pop.households
                       if any(p.twin_of for p in h.members) and h.kind != "adult_twins"][:3]
    for h in pop.households:
        kids = [p for p in h.members if p.age_on(AS_AT) < 18]
        if not kids:
            continue
        chance = (0.04 if h.kind == "lone_parent" else 0.012) * intensity
        if h.hid in ta_households or h.hid in hb_households:
            chance *= 2.5
        if h.hid not in twin_households and rng.random() >= chance:
            continue
        fam += 1
        for p in h.members:
            ind += rng.randint(1, 9)
            rec = recorded(seed, p, "TF01")
            addr = p.address_on(AS_AT)
            rows.append(DemoRow({
                "individualid": f"TF{ind}", "familyid": f"FAM{fam:05d}", "firstname": rec.first,
                "lastname": rec.surname, "dob": rec.dob, "address_1": addr.line1, "address_2": addr.town,
                "postcode": postcode_as_typed(rng, addr.postcode), "uprn": addr.uprn,
                "localuprn": f"L{int(addr.uprn) % 1000000:06d}" if rng.random() < 0.6 else None,
            }, p.pid, f"TF01:{p.pid}"))
    return rows


# ===================================================================== GS00

_SM_SERVICES = [  # description, frequency, unit low, unit high, days low, days high, weight
    ("Assessment", "One-off", 150, 400, 0, 0, 0),
    ("Structured Treatment - Opiates", "Weekly", 40, 90, 90, 700, 30),
    ("Structured Treatment - Alcohol", "Weekly", 30, 70, 60, 400, 25),
    ("Inpatient Detox", "Daily", 180, 320, 7, 21, 8),
    ("Residential Rehabilitation", "Weekly", 650, 1100, 60, 180, 5),
    ("Recovery Support", "4 Weekly", 80, 250, 90, 365, 8),
    ("Recovery Support", "Monthly", 90, 270, 90, 365, 6),
    ("Prescribing", "Fortnightly", 35, 90, 90, 540, 10),
    ("Needle Exchange", "Annual", 80, 150, 365, 365, 4),
]
#: GS00 files spell every frequency out: a blank frequency cell there is a row error
#: unless the file type declares a frequency (docs/loading.md).
_GS_SPELLINGS = {f: [s for s in spellings if s is not None] for f, spellings in SPELLINGS.items()}


@dataclass
class Episode:
    eid: str
    pid: str
    desc: str
    freq: str
    spelling: str | None
    unit: Decimal
    start: dt.date
    end: dt.date | None


def substance_misuse(pop: Population, seed: int, rng: random.Random, refs: Refs,
                     extracts: list[dt.date], intensity: float = 1.0,
                     placed: dict[str, dt.date] | None = None) -> dict:
    """GS00 ('Substance Misuse'): treatment episodes; some clients have no reference.
    ``placed``: adults placed in temporary accommodation, and the day of their household's
    first placement; some were in treatment in the year before (docs/pathways.md)."""
    episodes: list[Episode] = []
    no_ref: set[str] = set()
    spell = Spellings(_GS_SPELLINGS)
    for p in pop.people:
        age = p.age_on(AS_AT)
        if not 18 <= age <= 70:
            continue
        chance = 0.012 * (1.8 if p.sex == "M" else 1) * (1.5 if pop.households[p.hid - 1].kind == "single" else 1)
        if rng.random() >= min(0.9, chance * intensity):
            continue
        if rng.random() < 0.15:
            no_ref.add(p.pid)
        s = rand_date(rng, dt.date(2023, 1, 1), dt.date(2026, 3, 20))
        if rng.random() < 0.6:
            episodes.append(Episode(f"EP{len(episodes) + 1:05d}", p.pid, "Assessment", "One-off",
                                    spell("One-off"), money(rng, 150, 400), s, s))
            s += dt.timedelta(days=rng.randint(1, 30))
        for _ in range(rng.choices([1, 2, 3], [60, 30, 10])[0]):
            if s >= AS_AT:
                break
            desc, freq, lo, hi, dlo, dhi, _ = rng.choices(_SM_SERVICES[1:], [x[6] for x in _SM_SERVICES[1:]])[0]
            e = s + dt.timedelta(days=rng.randint(dlo, dhi))
            episodes.append(Episode(f"EP{len(episodes) + 1:05d}", p.pid, desc, freq, spell(freq),
                                    money(rng, lo, hi), s, e if e < AS_AT else None))
            if e >= AS_AT:
                break
            s = e + dt.timedelta(days=rng.randint(1, 60))
    episodes += _before_placement(pop, seed, placed or {}, spell, intensity, len(episodes))

    out: dict = {}
    blank_keys: dict = {}
    for x in extracts:
        window_from = months_back(x, 12)
        rows = []
        for ep in episodes:
            if ep.start > x or (ep.end is not None and ep.end < window_from):
                continue
            p = pop.by_id[ep.pid]
            rec = recorded(seed, p, "GS00")
            addr = p.address_on(ep.start)
            rr = random.Random(f"{seed}:GS00:{ep.eid}:{x}")
            extref = None if p.pid in no_ref else refs.get("GS00", p.pid, "SM", 6)
            if extref is None:
                # Without a reference the contract's key is surname, dob, postcode, start and
                # service: leave out an episode another person's would collide with (twins).
                key = (_coarse(rec.surname), rec.dob, addr.postcode, ep.start, ep.desc)
                if blank_keys.setdefault(key, ep.eid) != ep.eid:
                    continue
            rows.append(DemoRow({
                "extref": extref, "address1": addr.line1, "address2": addr.line2, "address3": addr.town,
                "address4": None, "postcode": postcode_as_typed(rr, addr.postcode),
                "ni": p.ni if p.ni and rr.random() < 0.4 else None,
                "nhsno": _nhs_as_typed(rr, p.nhs) if rr.random() < 0.5 else None,
                "firstname": rec.first, "surname": rec.surname, "dob": rec.dob,
                "startdate": ep.start, "enddate": ep.end if ep.end is not None and ep.end <= x else None,
                "cost": ep.unit, "costfrequency": ep.spelling, "servicedesc": ep.desc,
            }, p.pid, ep.eid))
        rows.sort(key=lambda r: (r.values["startdate"], r.record_id))
        out[x] = rows
    return out


#: The chance that an adult placed in temporary accommodation was assessed and treated
#: for substance misuse in the year before (times ``intensity``).
_BEFORE_PLACEMENT_RATE = 0.4


def _before_placement(pop: Population, seed: int, placed: dict[str, dt.date], spell: Spellings,
                      intensity: float, numbered: int) -> list[Episode]:
    """Homelessness often follows a crisis another service saw first: an assessment 2 to 11
    months before the placement, then treatment ending before it. Each person draws from
    a generator of their own, so the other episodes stay as they were."""
    out: list[Episode] = []
    for pid, day in sorted(placed.items()):
        p = pop.by_id[pid]
        r = random.Random(f"{seed}:gs:before-placement:{pid}")
        if not 18 <= p.age_on(day) <= 70 or r.random() >= min(0.9, _BEFORE_PLACEMENT_RATE * intensity):
            continue
        start = day - dt.timedelta(days=r.randint(60, 330))
        out.append(Episode(f"EP{numbered + len(out) + 1:05d}", pid, "Assessment", "One-off", spell("One-off"),
                           money(r, 150, 400), start, start))
        desc, freq, lo, hi, dlo, dhi, _ = r.choices(_SM_SERVICES[1:], [x[6] for x in _SM_SERVICES[1:]])[0]
        begin = start + dt.timedelta(days=r.randint(1, 20))
        end = min(begin + dt.timedelta(days=r.randint(dlo, dhi)), day - ONE_DAY)
        if end >= begin:
            out.append(Episode(f"EP{numbered + len(out) + 1:05d}", pid, desc, freq, spell(freq),
                               money(r, lo, hi), begin, end))
    return out
