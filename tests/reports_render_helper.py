"""Marts for the Excel/HTML/dashboard tests: the reports' hand-built marts
(reports_marts_helper) plus the provenance mart ``dim_data_extract``, and a
variant whose provider-supplied names are hostile. (Not a test module.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from costcalc.transform.publish import publish_duckdb
from reports_marts_helper import SERVICE_USE, build_marts

EXTRACTS = [
    ("temporary_accommodation", "Temporary Accommodation", date(2024, 3, 31), 3),
    ("adult_social_care", "Adult Social Care", date(2024, 3, 15), 1),
]

#: A service and a service type as a careless or hostile provider might send them.
HOSTILE_SERVICE = '<script>alert("x")</script> & <b>Care</b>'
HOSTILE_TYPE = '=HYPERLINK("http://evil.example/","click")'
#: Control characters (an ANSI colour, BEL, NUL) in a service type: Excel cannot store them.
CONTROL_TYPE = "Entitlement\x1b[31m\x07\x00 red"


def hostile_service_use():
    out = []
    for rec in SERVICE_USE:
        rec = list(rec)
        if rec[4] == "Adult Social Care":
            rec[4], rec[5] = HOSTILE_SERVICE, HOSTILE_TYPE
        elif rec[4] == "Housing Benefit":
            rec[5] = CONTROL_TYPE
        out.append(tuple(rec))
    return out


def build_render_marts(path: Path, service_use=SERVICE_USE, extracts=EXTRACTS) -> Path:
    build_marts(path, service_use=service_use)
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE marts.dim_data_extract (file_type VARCHAR, service VARCHAR, "
                    "latest_extract_date DATE, files_loaded BIGINT)")
        con.executemany("INSERT INTO marts.dim_data_extract VALUES (?,?,?,?)", [list(e) for e in extracts])
    finally:
        con.close()
    publish_duckdb(path, build_id=7, last_load_id=None)
    return path
