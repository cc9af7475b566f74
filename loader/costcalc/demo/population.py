"""The demo borough's people: households, addresses over time, and how each
council system happens to have recorded them (typos, variants, case)."""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field

from . import names as N

AS_AT = dt.date(2026, 3, 31)  # the demo's "today": the end of the 2025/26 financial year
EPOCH = dt.date(1900, 1, 1)

_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str  # area
    town: str
    county: str
    postcode: str  # canonical 'TW3 1AB'
    uprn: str


@dataclass
class Person:
    pid: str
    hid: int
    first: str
    surname: str
    sex: str
    dob: dt.date
    title: str
    ni: str | None
    nhs: str
    twin_of: str | None = None
    #: (from date, address), sorted; starts as the household's list (shared) and
    #: is copied when the person moves on their own (e.g. into a care home).
    addresses: list = field(default_factory=list)
    own_addresses: bool = False

    def age_on(self, d: dt.date) -> int:
        return d.year - self.dob.year - ((d.month, d.day) < (self.dob.month, self.dob.day))

    def address_on(self, d: dt.date) -> Address:
        found = self.addresses[0][1]
        for start, addr in self.addresses:
            if start <= d:
                found = addr
            else:
                break
        return found

    def move(self, d: dt.date, addr: Address) -> None:
        """The person alone moves on ``d`` (later entries are dropped)."""
        kept = [(s, a) for s, a in self.addresses if s < d]
        self.addresses = kept + [(d, addr)]
        self.own_addresses = True


@dataclass
class Household:
    hid: int
    kind: str
    group: str
    members: list[Person]
    addresses: list  # shared with members until someone moves alone

    @property
    def adults(self) -> list[Person]:
        return [p for p in self.members if p.age_on(AS_AT) >= 18]

    @property
    def lead(self) -> Person:
        return self.members[0]


def rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    span = (end - start).days
    return start + dt.timedelta(days=rng.randint(0, max(span, 0)))


def nhs_number(rng: random.Random) -> str:
    """A 10-digit number with a valid modulus-11 check digit."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.choice([4, 6, 9])
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


class AddressBook:
    """Postcode units of the borough, each on one street, and homes in them."""

    def __init__(self, rng: random.Random, n_homes: int):
        self.rng = rng
        self._units: list[tuple[str, str, str, str]] = []  # postcode, street, area, town
        self._used: set[str] = set()
        self._uprn = 100021000000
        n_units = max(40, n_homes // 14)
        districts = list(N.DISTRICT_WEIGHTS)
        weights = [N.DISTRICT_WEIGHTS[d] for d in districts]
        for _ in range(n_units):
            d = rng.choices(districts, weights)[0]
            self._units.append(self._new_unit(d, N.DISTRICTS[d]))
        self._homes_in_unit = [0] * len(self._units)
        # Address styling and hostels draw from their own generator, so that the
        # borough (who lives where, who uses which service) is the same as without them.
        self._style = random.Random(f"{rng.getstate()[1][:4]}:address-style")
        self._converted: dict[int, tuple[str, int]] = {}  # unit -> (house number, flats so far)
        self._hostels: list[Address] = []

    def _new_unit(self, district: str, area_town: tuple[str, str]) -> tuple[str, str, str, str]:
        return self._new_unit_with(self.rng, district, area_town)

    def _new_unit_with(self, rng: random.Random, district: str,
                       area_town: tuple[str, str]) -> tuple[str, str, str, str]:
        while True:
            pc = f"{district} {rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
            if pc not in self._used:
                self._used.add(pc)
                break
        street = f"{rng.choice(N.STREET_STEMS)} {rng.choice(N.STREET_SUFFIXES)}"
        return pc, street, area_town[0], area_town[1]

    def _next_uprn(self) -> str:
        self._uprn += self.rng.randint(1, 40)
        return str(self._uprn)

    def home(self) -> Address:
        """A new home somewhere in the borough."""
        rng = self.rng
        i = rng.randrange(len(self._units))
        pc, street, area, town = self._units[i]
        self._homes_in_unit[i] += 1
        n = self._homes_in_unit[i]
        if rng.random() < 0.25:
            line1 = f"Flat {rng.randint(1, 40)}, {rng.choice(N.BLOCK_NAMES)}, {street}"
        else:
            line1 = f"{n * 2 - rng.randint(0, 1)} {street}"
            # Some houses are converted into flats: "Flat 1, 10 High Street", "Flat 2, 10 High Street".
            if self._style.random() < 0.3:
                house, flats = self._converted.get(i, (line1.split(" ", 1)[0], 0))
                self._converted[i] = (house, flats + 1)
                line1 = f"Flat {flats + 1}, {house} {street}"
        county = "Middlesex" if town != "London" else "Greater London"
        return Address(line1, area, town, county, pc, self._next_uprn())

    def temporary(self, kind: str) -> Address:
        """Temporary accommodation: hotels, B&Bs and annexes mostly out of borough;
        leased flats and hostels in the borough or next door."""
        rng = self.rng
        if kind in ("Bed and Breakfast", "Nightly Paid Annexe") or rng.random() < 0.3:
            district = rng.choice(list(N.TA_DISTRICTS))
            area, town = N.TA_DISTRICTS[district]
            pc, street, _, _ = self._new_unit(district, (area, town))
            line1 = f"Room {rng.randint(1, 60)}, {rng.choice(N.TA_NAMES)}, {rng.randint(1, 400)} {street}"
            return Address(line1, area, town, "Middlesex", pc, self._next_uprn())
        return self.home()

    def hostel(self) -> Address:
        """One of a few hostels: every household placed there has the same address (no room)."""
        if len(self._hostels) < 3:
            district = self._style.choice(list(N.TA_DISTRICTS))
            area, town = N.TA_DISTRICTS[district]
            pc, street, _, _ = self._new_unit_with(self._style, district, (area, town))
            name = ["Beacon Hostel", "Cranford Hostel", "Phoenix Hostel"][len(self._hostels)]
            self._hostels.append(Address(f"{name}, {self._style.randint(1, 200)} {street}", area, town, "Middlesex",
                                         pc, f"10009{len(self._hostels):07d}"))
        return self._style.choice(self._hostels)

    def is_shared(self, a: Address) -> bool:
        """A hostel or a care home: many households at one address."""
        return a in self._hostels or " Care Home, " in a.line1

    def care_home(self) -> Address:
        rng = self.rng
        pc, street, area, town = self._units[rng.randrange(min(len(self._units), 30))]
        name = rng.choice(["Fairholme", "Lampton Lodge", "Cedars", "Heston Grange", "Syon View",
                           "Willow Court", "Riverside", "The Laurels"])
        return Address(f"{name} Care Home, {street}", area, town, "Middlesex", pc, f"10002{zlib.crc32(name.encode()) % 10**7:07d}")


# ------------------------------------------------------------------ the people

_AGE_BANDS = [  # (from, to, weight)
    (0, 4, 6), (5, 9, 6.5), (10, 14, 6.5), (15, 17, 3.6), (18, 24, 8.4), (25, 29, 7), (30, 34, 7.5),
    (35, 39, 7.5), (40, 44, 7), (45, 49, 6.5), (50, 54, 6.5), (55, 59, 6), (60, 64, 5.5), (65, 69, 4.5),
    (70, 74, 4), (75, 79, 3), (80, 84, 2), (85, 89, 1.3), (90, 99, 0.6),
]

_HOUSEHOLD_KINDS = [  # kind, weight
    ("single", 24), ("couple", 14), ("family", 24), ("lone_parent", 10), ("older_single", 13),
    ("older_couple", 8), ("multigen", 6), ("adult_twins", 0.12),
]


def _dob_for_age(rng: random.Random, age: int) -> dt.date:
    # Born between age+1 years and age years before AS_AT.
    latest = dt.date(AS_AT.year - age, AS_AT.month, AS_AT.day)
    return latest - dt.timedelta(days=rng.randint(0, 364))


def _ni(rng: random.Random) -> str:
    return f"{rng.choice(N.NI_PREFIXES)}{rng.randint(0, 999999):06d}{rng.choice('ABCD')}"


class Population:
    """Households of people with address histories, built deterministically from ``rng``."""

    def __init__(self, rng: random.Random, n_people: int):
        self.rng = rng
        self.people: list[Person] = []
        self.households: list[Household] = []
        self.book = AddressBook(rng, max(n_people // 2, 50))
        self._pid = 0
        group_names = list(N.GROUPS)
        group_weights = [N.GROUPS[g][0] for g in group_names]
        kinds = [k for k, _ in _HOUSEHOLD_KINDS]
        kind_w = [w for _, w in _HOUSEHOLD_KINDS]
        while len(self.people) < n_people:
            kind = rng.choices(kinds, kind_w)[0]
            group = rng.choices(group_names, group_weights)[0]
            self._household(kind, group)
        # The last household may overshoot: its last members (children, a grandparent) stay out.
        while len(self.people) > n_people:
            gone = self.people.pop()
            self.households[-1].members.remove(gone)
            if gone.twin_of:
                next(p for p in self.people if p.pid == gone.twin_of).twin_of = None
        self.by_id = {p.pid: p for p in self.people}

    # -- building blocks
    def _first(self, group: str, sex: str, avoid: set[str] = frozenset()) -> str:
        _, male, female, _ = N.GROUPS[group]
        pool = male if sex == "M" else female
        for _ in range(20):
            name = self.rng.choice(pool)
            if name not in avoid:
                return name
        return name

    def _surname(self, group: str) -> str:
        surname = self.rng.choice(N.GROUPS[group][3])
        if group == "punjabi" and surname in ("Singh", "Kaur"):
            return surname  # adjusted per sex by the caller
        return surname

    def _person(self, hid: int, group: str, sex: str, age: int, surname: str,
                avoid_first: set[str] = frozenset(), dob: dt.date | None = None) -> Person:
        rng = self.rng
        self._pid += 1
        if group == "punjabi" and surname in ("Singh", "Kaur"):
            surname = "Singh" if sex == "M" else "Kaur"
        dob = dob or _dob_for_age(rng, age)
        title = rng.choice(N.TITLES_MALE if sex == "M" else N.TITLES_FEMALE)
        if age < 18:
            title = "Master" if sex == "M" and age < 12 else ("Miss" if sex == "F" else "Mr")
        ni = _ni(rng) if age >= 16 else None
        p = Person(f"P{self._pid:06d}", hid, self._first(group, sex, avoid_first), surname, sex, dob,
                   title, ni, nhs_number(rng))
        self.people.append(p)
        return p

    def _household(self, kind: str, group: str) -> None:
        rng = self.rng
        hid = len(self.households) + 1
        surname = self._surname(group)
        members: list[Person] = []
        sex = rng.choice("MF")

        def adult(lo: int, hi: int, s: str, sn: str | None = None) -> Person:
            return self._person(hid, group, s, rng.randint(lo, hi), sn or surname,
                                {m.first for m in members})

        def children(n: int, parent_age: int) -> None:
            ages = sorted((rng.randint(0, min(17, parent_age - 18)) for _ in range(n)), reverse=True)
            twins = n >= 2 and rng.random() < 0.04
            for i, a in enumerate(ages):
                s = rng.choice("MF")
                if twins and i == 1:
                    # Twins: same surname, date of birth and address; different first names.
                    first = members[-1]
                    p = self._person(hid, group, s, a, surname, {m.first for m in members}, dob=first.dob)
                    p.twin_of = first.pid
                    first.twin_of = p.pid
                else:
                    self._person(hid, group, s, a, surname, {m.first for m in members})
                members.append(self.people[-1])

        if kind == "single":
            members.append(adult(18, 64, sex))
        elif kind == "couple":
            a = adult(22, 64, "M")
            members.append(a)
            partner_surname = surname if rng.random() < 0.7 else self._surname(group)
            members.append(adult(max(18, a.age_on(AS_AT) - 6), min(70, a.age_on(AS_AT) + 4), "F", partner_surname))
        elif kind in ("family", "lone_parent", "multigen"):
            lead_sex = "F" if kind == "lone_parent" and rng.random() < 0.9 else rng.choice("MF")
            a = adult(22, 52, lead_sex)
            members.append(a)
            if kind != "lone_parent":
                other = "M" if lead_sex == "F" else "F"
                members.append(adult(max(20, a.age_on(AS_AT) - 5), a.age_on(AS_AT) + 5, other,
                                     surname if rng.random() < 0.8 else self._surname(group)))
            children(rng.choices([1, 2, 3, 4], [35, 40, 18, 7])[0], a.age_on(AS_AT))
            if kind == "multigen":
                members.append(adult(a.age_on(AS_AT) + 20, min(99, a.age_on(AS_AT) + 38), rng.choice("MF")))
        elif kind == "older_single":
            age = rng.choices(range(65, 100), [max(1, 100 - 3 * (x - 65)) for x in range(65, 100)])[0]
            members.append(self._person(hid, group, sex, age, surname))
        elif kind == "older_couple":
            a = adult(65, 90, "M")
            members.append(a)
            members.append(adult(max(60, a.age_on(AS_AT) - 6), min(99, a.age_on(AS_AT) + 3), "F"))
        elif kind == "adult_twins":
            a = adult(19, 60, rng.choice("MF"))
            members.append(a)
            b = self._person(hid, group, rng.choice("MF"), a.age_on(AS_AT), surname, {a.first}, dob=a.dob)
            a.twin_of, b.twin_of = b.pid, a.pid
            members.append(b)

        # Address history: most stay put; some moved once or twice within the borough.
        addresses = [(EPOCH, self.book.home())]
        r = rng.random()
        n_moves = 2 if r < 0.05 else (1 if r < 0.27 else 0)
        for d in sorted(rand_date(rng, dt.date(2019, 1, 1), dt.date(2026, 3, 1)) for _ in range(n_moves)):
            addresses.append((d, self.book.home()))
        for m in members:
            m.addresses = addresses
        self.households.append(Household(hid, kind, group, members, addresses))

    def set_household_addresses(self, h: Household, addresses: list) -> None:
        h.addresses = addresses
        for m in h.members:
            if not m.own_addresses:
                m.addresses = addresses


# ----------------------------------------------------- how systems record people

def _typo(rng: random.Random, s: str) -> str:
    letters = [i for i, c in enumerate(s) if c.isalpha()]
    if len(letters) < 3:
        return s + s[-1]
    for _ in range(10):
        i = rng.choice(letters[1:])
        op = rng.choice(["swap", "drop", "double", "vowel"])
        if op == "swap" and i + 1 < len(s) and s[i + 1].isalpha():
            out = s[:i] + s[i + 1] + s[i] + s[i + 2:]
        elif op == "drop":
            out = s[:i] + s[i + 1:]
        elif op == "double":
            out = s[:i] + s[i] + s[i:]
        else:
            vowels = "aeiou"
            if s[i].lower() not in vowels:
                continue
            out = s[:i] + rng.choice([v for v in vowels if v != s[i].lower()]) + s[i + 1:]
        if out != s:
            return out
    return s + s[-1]


@dataclass(frozen=True)
class Recorded:
    """How one system recorded a person (what ends up in that system's extracts)."""

    first: str
    surname: str
    dob: dt.date


#: Name case conventions of each system's exports.
_UPPER_SYSTEMS = {"RB01", "RB03"}


def recorded(seed: int, p: Person, system: str) -> Recorded:
    """Deterministic per (seed, person, system): most exact, some with typos,
    spelling variants, case and spacing differences, a few with a wrong date of birth."""
    rng = random.Random(f"{seed}:{p.pid}:{system}")
    first, surname, dob = p.first, p.surname, p.dob
    r = rng.random()
    if r < 0.03:
        surname = _typo(rng, surname)
    elif r < 0.07 and surname in N.SURNAME_VARIANTS:
        surname = rng.choice(N.SURNAME_VARIANTS[surname])
    r = rng.random()
    if r < 0.02:
        first = _typo(rng, first)
    elif r < 0.07 and first in N.FIRST_NAME_VARIANTS:
        first = rng.choice(N.FIRST_NAME_VARIANTS[first])
    if rng.random() < 0.006:
        if dob.day <= 12 and dob.day != dob.month:
            dob = dt.date(dob.year, dob.day, dob.month)  # day and month swapped
        else:
            dob = dob + dt.timedelta(days=1)
    if system in _UPPER_SYSTEMS:
        first, surname = first.upper(), surname.upper()
    r = rng.random()
    if r < 0.03:
        surname = surname.upper() if system not in _UPPER_SYSTEMS else surname.title()
    elif r < 0.05:
        surname = f" {surname}  " if rng.random() < 0.5 else surname.replace("-", " - ")
    elif r < 0.06:
        first = first.lower()
    return Recorded(first, surname, dob)


def postcode_as_typed(rng: random.Random, pc: str) -> str:
    """Postcodes as people type them: mostly tidy, sometimes without the space or in lower case."""
    r = rng.random()
    if r < 0.08:
        return pc.replace(" ", "")
    if r < 0.13:
        return pc.lower()
    if r < 0.15:
        return pc.replace(" ", "  ")
    return pc
