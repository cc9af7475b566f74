"""The sample borough's address gazetteer (GZ01): the council's LLPG extract.

Every home in the borough's own postcode districts that anyone in the
population lived at, with its UPRN, written the way an LLPG export writes it:
upper case, the street in full, a flat's number (the secondary addressable
object) on a line of its own for some. Realistic gaps, so that not every
address in the service files finds a UPRN:

- addresses outside the borough (most temporary accommodation, the hostels
  next door) are not in it;
- a few homes are missing (new builds not yet added);
- a few are listed twice under two UPRNs (a parent shell and its child), which
  gives them no UPRN at all (docs/households.md "Gazetteer").
"""

from __future__ import annotations

import datetime as dt
import random

from . import names as N
from .population import Population
from .services import DemoRow

#: Share of the borough's homes missing from the gazetteer, and listed twice.
MISSING_SHARE = 0.04
DUPLICATE_SHARE = 0.01


def gazetteer_rows(pop: Population, rng: random.Random, extract: dt.date) -> list[DemoRow]:
    """One row per borough home anyone lived at up to ``extract``, in UPRN order."""
    homes = {}
    for p in pop.people:
        for start, a in p.addresses:
            if start <= extract and a.postcode.split(" ")[0] in N.DISTRICTS:
                homes.setdefault(a.uprn, a)
    rows: list[DemoRow] = []
    for uprn in sorted(homes):
        a = homes[uprn]
        roll = rng.random()
        if roll < MISSING_SHARE:
            continue
        line1, _, rest = a.line1.upper().partition(", ")
        if line1.startswith("FLAT ") and rest and rng.random() < 0.5:
            lines = [line1, rest, a.line2.upper(), a.town.upper()]  # the flat on a line of its own
        else:
            lines = [a.line1.upper(), a.line2.upper(), a.town.upper(), None]
        values = {"uprn": uprn, "address_line_1": lines[0], "address_line_2": lines[1],
                  "address_line_3": lines[2], "address_line_4": lines[3], "postcode": a.postcode}
        rows.append(DemoRow(values, None, None))
        if roll > 1 - DUPLICATE_SHARE:
            rows.append(DemoRow(dict(values, uprn=str(int(uprn) + 900_000_000)), None, None))
    return rows
