"""Synthetic identity records with ground truth, for the matching tests and benchmark.

People live in households (siblings, twins, a parent sharing a child's first
name), move house, pass through temporary accommodation (hostel postcodes
shared by many unrelated people) and appear in several services' files.
Each record is a noisy copy of its person: surname typos and formatting
(case, apostrophes, one part of a double-barrelled name), first-name typos,
initials and nicknames, one-digit and day/month-swapped dates of birth,
missing first names, NHS numbers that fail their checksum, badly formed NI
numbers, and now and then another person's valid NHS number.

``generate(n_records, seed)`` returns a list of dicts shaped like
``int_identity_records`` plus ``person_id`` (the truth).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import string

COMMON_SURNAMES = """SMITH JONES WILLIAMS TAYLOR BROWN DAVIES EVANS WILSON THOMAS JOHNSON ROBERTS ROBINSON
THOMPSON WRIGHT WALKER WHITE EDWARDS HUGHES GREEN HALL LEWIS HARRIS CLARKE PATEL JACKSON WOOD TURNER
MARTIN COOPER HILL WARD MORRIS MOORE CLARK LEE KING BAKER HARRISON MORGAN ALLEN JAMES SCOTT PHILLIPS
WATSON DAVIS PARKER PRICE BENNETT YOUNG GRIFFITHS MITCHELL KELLY COOK CARTER RICHARDSON BAILEY COLLINS
BELL SHAW MURPHY MILLER COX RICHARDS KHAN MARSHALL ANDERSON SIMPSON ELLIS ADAMS SINGH BEGUM WILKINSON
FOSTER CHAPMAN POWELL WEBB ROGERS GRAY MASON ALI HUNT HUSSAIN CAMPBELL MATTHEWS OWEN PALMER HOLMES
MILLS BARNES KNIGHT LLOYD BUTLER RUSSELL BARKER FISHER STEVENS JENKINS MURRAY DIXON HARVEY GRAHAM
PEARSON AHMED FLETCHER WALSH KAUR GIBSON HOWARD ANDREWS STEWART ELLIOTT REYNOLDS SAUNDERS PAYNE FOX
FORD PEARCE DAY BROOKS WEST LAWRENCE COLE ATKINSON BRADLEY SPENCER GILL DAWSON BALL BURTON O'BRIEN
O'NEILL O'CONNOR MCDONALD MACDONALD D'SOUZA NGUYEN KOWALSKI NOWAK OKAFOR ADEYEMI MENSAH""".split()

SYLLABLES = ("ash ber bro cal dar den fen gar hal hen kel lan mar mor nor pen ray ros sel ston tal ther "
             "ton war wel wick worth by ley field ford ham hurst land more shaw well wood").split()

FEMALE = """OLIVIA AMELIA ISLA AVA EMILY SOPHIA GRACE MIA POPPY ELLA LILY EVIE ISABELLA SOPHIE IVY FREYA
HARPER WILLOW CHARLOTTE JESSICA MARGARET ELIZABETH SUSAN PATRICIA DEBORAH REBECCA VICTORIA JACQUELINE
KATHERINE JENNIFER SARAH EMMA LAURA HANNAH AMY CHLOE LUCY ZARA AISHA FATIMA MARIA ANNA JULIE KAREN
HELEN CLAIRE JOANNE NICOLA LOUISE RACHEL GEMMA KERRY DONNA TRACY MICHELLE ANGELA PAULA JOAN JEAN MARY
BARBARA DOROTHY IRENE JOYCE SHEILA BRENDA CAROL LINDA SANDRA""".split()
MALE = """OLIVER GEORGE NOAH ARTHUR HARRY LEO MUHAMMAD JACK CHARLES OSCAR JACOB HENRY THOMAS FREDDIE ALFIE
THEO WILLIAM JAMES ROBERT RICHARD MICHAEL CHRISTOPHER ANTHONY DANIEL JOSEPH ALEXANDER SAMUEL BENJAMIN
MATTHEW EDWARD STEPHEN ANDREW DAVID PETER NICHOLAS FREDERICK JONATHAN PAUL MARK JOHN IAN GARY KEVIN
LEE CRAIG DEAN SHAUN WAYNE CARL NEIL SIMON DARREN JASON LIAM RYAN ADAM LUKE CONNOR KIERAN MOHAMMED
ALI OMAR KWAME TOMASZ PIOTR BRIAN KEITH DEREK TREVOR GRAHAM COLIN ROY""".split()

NICKNAMES = {
    "WILLIAM": ["BILL", "WILL", "BILLY"], "ROBERT": ["BOB", "ROB"], "RICHARD": ["RICH", "DICK"],
    "MICHAEL": ["MIKE", "MICK"], "CHRISTOPHER": ["CHRIS"], "ANTHONY": ["TONY"], "DANIEL": ["DAN", "DANNY"],
    "JOSEPH": ["JOE"], "ALEXANDER": ["ALEX"], "SAMUEL": ["SAM"], "BENJAMIN": ["BEN"], "MATTHEW": ["MATT"],
    "EDWARD": ["ED", "TED", "EDDIE"], "STEPHEN": ["STEVE"], "ANDREW": ["ANDY"], "DAVID": ["DAVE"],
    "PETER": ["PETE"], "NICHOLAS": ["NICK"], "FREDERICK": ["FRED"], "JONATHAN": ["JON"], "JAMES": ["JIM", "JAMIE"],
    "THOMAS": ["TOM", "TOMMY"], "CHARLES": ["CHARLIE"], "HENRY": ["HARRY"],
    "MARGARET": ["MAGGIE", "PEGGY"], "ELIZABETH": ["LIZ", "BETH", "LIZZIE"], "SUSAN": ["SUE"],
    "PATRICIA": ["PAT", "TRISH"], "DEBORAH": ["DEBBIE"], "REBECCA": ["BECKY"], "VICTORIA": ["VICKY"],
    "JACQUELINE": ["JACKIE"], "KATHERINE": ["KATE", "KATHY"], "JENNIFER": ["JEN", "JENNY"],
    "BARBARA": ["BARB"], "DOROTHY": ["DOT"],
}

SCHEMAS = {
    # code: (file_type, P(record carries NHS), P(carries NI), P(first name present))
    "H01A": ("temporary_accommodation", 0.0, 0.35, 0.97),
    "ASC01": ("adult_social_care", 0.85, 0.0, 0.99),
    "RB01": ("housing_benefit", 0.0, 0.9, 0.99),
    "RB03": ("housing_benefit_switch", 0.0, 1.0, 0.9),
    "TF01": ("troubled_families", 0.0, 0.0, 0.95),
    "GS00": ("general_service", 0.3, 0.2, 0.9),
}
SCHEMA_CODES = list(SCHEMAS)
SCHEMA_WEIGHTS = [0.25, 0.25, 0.25, 0.05, 0.1, 0.1]

NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"


def nhs_check_digit(nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def valid_nhs(rng: random.Random) -> str:
    while True:
        nine = "".join(rng.choice(string.digits) for _ in range(9))
        if nine[0] == "0":
            continue
        c = nhs_check_digit(nine)
        if c is not None:
            return nine + str(c)


def valid_ni(rng: random.Random) -> str:
    while True:
        p = rng.choice(NI_FIRST) + rng.choice(NI_SECOND)
        if p not in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
            break
    return p + "".join(rng.choice(string.digits) for _ in range(6)) + rng.choice("ABCD")


def typo(rng: random.Random, s: str) -> str:
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s))  # keep the first letter more often than not
    kind = rng.random()
    if kind < 0.3:
        return s[:i] + s[i + 1:]                       # deletion
    if kind < 0.55:
        return s[:i] + rng.choice(string.ascii_uppercase) + s[i + 1:]   # substitution
    if kind < 0.8 and i < len(s) - 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]     # transposition
    return s[:i] + s[i] + s[i:]                        # doubled letter


def postcode(rng: random.Random) -> str:
    area = rng.choice(["LS", "BD", "HX", "WF", "HD", "YO", "M", "B"])
    return f"{area}{rng.randint(1, 29)} {rng.randint(0, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def _surname_pool(rng: random.Random, n_rare: int) -> tuple[list[str], list[float]]:
    names = list(COMMON_SURNAMES)
    weights = [1.0 / (i + 8) for i in range(len(names))]
    seen = set(names)
    while len(names) < len(COMMON_SURNAMES) + n_rare:
        s = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).upper()
        if s not in seen:
            seen.add(s)
            names.append(s)
            weights.append(0.0006)
    return names, weights


def _dob_variant(rng: random.Random, dob: dt.date) -> dt.date:
    """A one-digit typo in dd/mm/yyyy, still a real date, never identical."""
    for _ in range(20):
        text = dob.strftime("%d%m%Y")
        pos = rng.choice([0, 1, 2, 3, 6, 7, 7, 1, 1])
        new = text[:pos] + rng.choice(string.digits) + text[pos + 1:]
        try:
            d = dt.datetime.strptime(new, "%d%m%Y").date()
        except ValueError:
            continue
        if d != dob and 1900 < d.year < 2026:
            return d
    return dob


def generate(n_records: int, seed: int = 20170401) -> list[dict]:
    rng = random.Random(seed)
    surnames, sweights = _surname_pool(rng, max(2000, n_records // 40))
    cum = list(itertools.accumulate(sweights))
    hostels = [postcode(rng) for _ in range(max(20, n_records // 5000))]
    people: list[dict] = []
    n_people_target = int(n_records / 2.4)
    # Households: a surname, an address history, 1-5 members.
    while len(people) < n_people_target:
        sn = rng.choices(surnames, cum_weights=cum)[0]
        if rng.random() < 0.03:
            sn = sn + "-" + rng.choices(surnames, cum_weights=cum)[0]
        addresses = [postcode(rng) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
        size = rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
        parent_year = rng.randint(1935, 1995)
        base_child_year = parent_year + rng.randint(18, 35)
        twins_done = False
        first_child_fn = None
        for m in range(size):
            female = rng.random() < 0.5
            fn = rng.choice(FEMALE if female else MALE)
            if m == 0 or (m == 1 and size > 2 and rng.random() < 0.7):
                year = parent_year + (rng.randint(-4, 4) if m else 0)
            else:
                year = min(2020, base_child_year + rng.randint(0, 12))
            dob = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            person = {"sn": sn, "fn": fn, "dob": dob, "addresses": addresses,
                      "nhs": valid_nhs(rng), "ni": valid_ni(rng) if year < 2008 else None,
                      "married_sn": None}
            if m >= 2 and not twins_done and people and rng.random() < 0.25:
                # a twin of the previous child: same dob, another first name
                prev = people[-1]
                person["dob"] = prev["dob"]
                while person["fn"] == prev["fn"]:
                    person["fn"] = rng.choice(FEMALE if female else MALE)
                twins_done = True
            if m >= 2 and first_child_fn is None:
                first_child_fn = fn
            if m == 0 and size >= 3 and rng.random() < 0.05 and not female:
                person["junior_of"] = True
            if rng.random() < 0.02:
                person["married_sn"] = rng.choices(surnames, cum_weights=cum)[0]
            people.append(person)
        # A father who gave his son his own first name.
        hh = people[-size:]
        if size >= 3 and hh[0].get("junior_of"):
            hh[2]["fn"] = hh[0]["fn"]

    # Another person's valid NHS number now and then (a family member's).
    records: list[dict] = []
    counter = {c: 0 for c in SCHEMA_CODES}
    load_day = dt.datetime(2024, 1, 1)
    pid = 0
    for p in people:
        pid += 1
        p["id"] = pid
    for p in people:
        k = rng.choice((1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6))
        for _ in range(k):
            if len(records) >= n_records:
                break
            code = rng.choices(SCHEMA_CODES, SCHEMA_WEIGHTS)[0]
            file_type, p_nhs, p_ni, p_fn = SCHEMAS[code]
            counter[code] += 1
            # surname
            sn = p["sn"]
            if p["married_sn"] and rng.random() < 0.4:
                sn = p["married_sn"]
            if "-" in sn:
                r = rng.random()
                if r < 0.2:
                    sn = sn.split("-")[0]
                elif r < 0.35:
                    sn = sn.split("-")[1]
                elif r < 0.5:
                    sn = sn.replace("-", " ")
            if "'" in sn:
                r = rng.random()
                if r < 0.3:
                    sn = sn.replace("'", "")
                elif r < 0.45:
                    sn = sn.replace("'", " ")
            if rng.random() < 0.04:
                sn = typo(rng, sn)
            r = rng.random()
            sn = sn.title() if r < 0.5 else (sn.lower() if r < 0.55 else sn)
            if rng.random() < 0.02:
                sn = " " + sn + " "
            # first name
            fn = p["fn"]
            r = rng.random()
            if rng.random() > p_fn:
                fn = None
            elif r < 0.04:
                fn = typo(rng, fn)
            elif r < 0.07:
                fn = fn[0]
            elif r < 0.12 and fn in NICKNAMES:
                fn = rng.choice(NICKNAMES[fn])
            if fn is not None:
                fn = fn.title() if rng.random() < 0.6 else fn
            # date of birth
            dob = p["dob"]
            r = rng.random()
            if r < 0.02:
                dob = _dob_variant(rng, dob)
            elif r < 0.035 and dob.day <= 12 and dob.day != dob.month:
                dob = dt.date(dob.year, dob.day, dob.month)
            # postcode: where they lived, a hostel for TA, or a typo
            pc = rng.choice(p["addresses"])
            if code == "H01A" and rng.random() < 0.6:
                pc = rng.choice(hostels)
            elif rng.random() < 0.15:
                pc = postcode(rng)   # a move we know nothing else about
            if rng.random() < 0.01:
                pc = pc[:-1] + rng.choice("ABDEFGHJLNPQRSTUWXYZ")
            # NHS number
            nhs = None
            if rng.random() < p_nhs:
                nhs = p["nhs"]
                r = rng.random()
                if r < 0.015:
                    i = rng.randrange(10)
                    nhs = nhs[:i] + str((int(nhs[i]) + rng.randint(1, 9)) % 10) + nhs[i + 1:]
                elif r < 0.017:
                    other = people[max(0, p["id"] - 2)]
                    nhs = other["nhs"]
            # NI number
            ni = None
            if p["ni"] and rng.random() < p_ni:
                ni = p["ni"]
                r = rng.random()
                if r < 0.01:
                    ni = "TN" + ni[2:]
                elif r < 0.02:
                    ni = ni[:2] + "O" + ni[3:]
            n = counter[code]
            records.append({
                "record_key": f"{code}-{n:08d}",
                "schema_code": code,
                "file_type": file_type,
                "source_file": f"{file_type}_{(n // 50000) + 1:02d}.csv",
                "source_row": n % 50000 + 2,
                "surname": sn,
                "firstname": fn,
                "dob": dob,
                "postcode": pc,
                "nhs_number": nhs,
                "ni_number": ni,
                "first_loaded_at": load_day + dt.timedelta(days=n // 50000),
                "person_id": p["id"],
            })
        if len(records) >= n_records:
            break
    return records
