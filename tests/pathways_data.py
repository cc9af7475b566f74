"""A small borough for the pathways report (docs/pathways.md), worked by hand.

Data start: January 2022 (Zed's meals). Entrants (first TA placement):
Ann (25-34, with her son Dan, 0-17; placed together 10 Mar 2024), Bob (25-34,
alone; 20 Mar 2024) and Cat (June 2022: both windows begin before the data,
so she is left out). Never in TA: Gus + Hal (a household with a child), Eve,
Fay (one person each), Zed (65-74). The comparison must be in the data in the
entry month (a record overlapping March 2024), as the entrants' placements are.

Window 12 (Mar 2023 - Feb 2024), clients:
  entrants  Ann Floating Support 122 days x 10 = 1,220; Dan School Support 30 x 3 = 90;
            Bob Debt Advice one-off 200 (his January 2023 Floating Support, 155, is only in window 24)
  comparison (weights: Gus 1, Hal 1, Eve 1/2, Fay 1/2): Gus Meals 60, Hal School Support 30,
            Eve Floating Support 290, Fay nothing (her meals are in March 2024)
Households: entrants = the households placed, Ann+Dan (with children) and Bob (one
person); comparison = Gus+Hal (weight 1), Eve, Fay and Zed (one person: 1/3 each).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

TA = ["pin", "address1", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost", "proptype"]
GS = ["extref", "address1", "postcode", "firstname", "surname", "dob", "startdate", "enddate", "cost",
      "costfrequency", "servicedesc"]

#: name -> (schema, file type, extract date, rows)
FILES = {
    "ta.csv": ("H01A", "temporary_accommodation", date(2024, 6, 30), [TA,
        ["P1", "Room 4, Park Lodge", "UB3 4DD", "Ann", "Adams", "05/05/1990", "10/03/2024", "30/04/2024", "350",
         "Hostel"],
        ["P2", "Room 4, Park Lodge", "UB3 4DD", "Dan", "Adams", "01/02/2015", "10/03/2024", "30/04/2024", "0",
         "Hostel"],
        ["P3", "Room 7, Hill House", "UB3 5EE", "Bob", "Brown", "01/01/1991", "20/03/2024", "30/04/2024", "350",
         "Self-contained"],
        ["P4", "Flat 9, 9 Nine St", "UB3 6FF", "Cat", "Cole", "01/01/1991", "01/06/2022", "30/06/2022", "350",
         "Self-contained"],
    ]),
    "gs_2023.csv": ("GS00", "general_service", date(2024, 1, 31), [GS,
        ["G0", "50 Far Rd", "UB9 9ZZ", "Zed", "Zulu", "01/01/1950", "01/01/2022", "31/01/2022", "1", "Daily",
         "Meals"],
        ["G1", "1 Old Lane", "UB3 4DD", "Ann", "Adams", "05/05/1990", "01/09/2023", "31/12/2023", "70", "Weekly",
         "Floating Support"],
        ["G2", "1 Old Lane", "UB3 4DD", "Dan", "Adams", "01/02/2015", "01/11/2023", "30/11/2023", "3", "Daily",
         "School Support"],
        ["G3", "3 Low Rd", "UB3 5EE", "Bob", "Brown", "01/01/1991", "01/01/2023", "31/01/2023", "5", "Daily",
         "Floating Support"],
        ["G4", "3 Low Rd", "UB3 5EE", "Bob", "Brown", "01/01/1991", "15/01/2024", "", "200", "One-off",
         "Debt Advice"],
        ["G7", "9 Oak Rd", "UB4 2BB", "Gus", "Green", "01/01/1994", "01/06/2023", "30/06/2023", "2", "Daily",
         "Meals"],
        ["G8", "9 Oak Rd", "UB4 2BB", "Hal", "Green", "01/01/2016", "01/06/2023", "30/06/2023", "1", "Daily",
         "School Support"],
    ]),
    "gs_2024.csv": ("GS00", "general_service", date(2024, 6, 30), [GS,
        ["G5", "7 Elm Rd", "UB4 1AA", "Eve", "Evans", "01/06/1992", "01/02/2024", "29/02/2024", "10", "Daily",
         "Floating Support"],
        ["G6", "8 Elm Rd", "UB4 1AA", "Fay", "Fox", "01/07/1993", "01/03/2024", "31/03/2024", "1", "Daily",
         "Meals"],
        # what puts Gus, Hal and Eve in the data in March 2024 (the entry month), after the windows
        ["G9", "9 Oak Rd", "UB4 2BB", "Gus", "Green", "01/01/1994", "05/03/2024", "", "0", "One-off", "Advice"],
        ["GA", "9 Oak Rd", "UB4 2BB", "Hal", "Green", "01/01/2016", "05/03/2024", "", "0", "One-off", "Advice"],
        ["GB", "7 Elm Rd", "UB4 1AA", "Eve", "Evans", "01/06/1992", "05/03/2024", "", "0", "One-off", "Advice"],
    ]),
}


def write_and_load(root: Path, warehouse: Path) -> None:
    """Write the files as CSV and load them with the loader (each must load whole)."""
    from costcalc.ingest import landing

    for name, (schema, file_type, extract, rows) in FILES.items():
        path = root / name
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        res = landing.load_file(warehouse, path, schema=schema, file_type=file_type, extract_date=extract)
        assert res.status == "loaded" and res.rows_rejected == 0, res.message
