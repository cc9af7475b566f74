"""The demo's suppliers: who the council buys temporary accommodation and care from.

Each service type has a few suppliers, from cheaper to dearer; a placement or care line
goes to the supplier whose prices its own price sits among (now and then a neighbour),
so ``costcalc report services --by supplier`` shows the same service bought at different
prices. Some rows spell a name differently ('Limited', capitals, a double space) as real
files do; the marts merge those (docs/reports.md, "Suppliers"). Choices come from their
own random streams, keyed on the record, so the rest of the demo is unchanged by them.
"""

from __future__ import annotations

import random
from decimal import Decimal

#: H01A property type -> suppliers, cheaper first.
TA_SUPPLIERS = {
    "Bed and Breakfast": ["Parkside Guest House Ltd", "Kingsway Lodge Ltd", "Station Hotel Group Ltd"],
    "Nightly Paid Annexe": ["Homefinders Lettings Ltd", "Annexe Housing Ltd"],
    "Hostel": ["Riverside Hostels Trust", "Hounslow Night Shelter"],
    "Private Sector Leased": ["Crestwood Lettings Ltd", "Northgate Homes plc"],
    "Council Stock (Temporary)": ["Council housing (in-house)"],
}

#: ASC01 service type -> suppliers, cheaper first. Direct payments have none: the person
#: buys their own care (a personal assistant is a person, never named: docs/privacy.md).
ASC_SUPPLIERS = {
    "Residential Care": ["Oakwood Care Homes Ltd", "Willow Court Care Ltd", "Sunrise Senior Living plc"],
    "Nursing Care": ["Willow Court Care Ltd", "Ashford Nursing Homes Ltd"],
    "Home Care": ["Caring Hands Homecare Ltd", "Bluebell Home Support Ltd", "Allied Care at Home Ltd"],
    "Day Care": ["Community Day Centres Trust", "Bridges Day Opportunities Ltd"],
    "Respite Care": ["Oakwood Care Homes Ltd", "Willow Court Care Ltd"],
    "Supported Living": ["Pathways Supported Living Ltd", "Horizon Housing and Support Ltd"],
    "Equipment": ["Community Equipment Service"],
    "Telecare": ["Careline Telecare Ltd"],
    "Meals": ["Hot Meals Direct Ltd"],
}


def choose(suppliers: list[str], price: Decimal | float, low: float, high: float, key: str) -> str:
    """The supplier among ``suppliers`` (cheaper first) whose prices ``price`` sits among in
    [low, high]; one time in eight a neighbour (prices overlap). Deterministic in ``key``."""
    rng = random.Random(f"supplier:{key}")
    share = (float(price) - low) / (high - low) if high > low else 0.0
    i = min(len(suppliers) - 1, max(0, int(share * len(suppliers))))
    if len(suppliers) > 1 and rng.random() < 0.125:
        i = min(len(suppliers) - 1, max(0, i + rng.choice((-1, 1))))
    return suppliers[i]


def as_written(name: str, key: str) -> str:
    """``name`` as one row of a file writes it: mostly as it is, sometimes 'Limited' for
    'Ltd', in capitals, or with a double space."""
    r = random.Random(f"spelling:{key}").random()
    if r < 0.06 and name.endswith(" Ltd"):
        return name[: -len(" Ltd")] + " Limited"
    if r < 0.09:
        return name.upper()
    if r < 0.11 and " " in name:
        return name.replace(" ", "  ", 1)
    return name
