"""Builds the public marts and restricted tables by hand, with the exact columns
of docs/architecture.md, in a real DuckDB file: the reports' and lookup's tests
use it so they do not depend on the dbt build. (Not a test module.)"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from costcalc.transform.publish import publish_duckdb
from costcalc.warehouse.restricted_store import attach_sql, ensure_restricted_file, restricted_path

# service_use_id, client_id, schema_code, file_type, service, service_type, need,
# start_date, end_date, is_ongoing, frequency, unit_cost, cost_per_day, one_off_cost
# [, cost_per_financial_year] (a 14-column row has none)
SERVICE_USE = [
    # C1: ever in TA. Weekly 350 => 50/day, all of January 2024.
    (1, "C00000001", "H01A", "temporary_accommodation", "Temporary Accommodation", "Self-contained", None,
     date(2024, 1, 1), date(2024, 1, 31), False, "Weekly", 350.0, 50.0, None),
    # C1: one-off 100 on the leap day.
    (2, "C00000001", "ASC01", "adult_social_care", "Adult Social Care", "Equipment", "Physical Support",
     date(2024, 2, 29), date(2024, 2, 29), False, "One-off", 100.0, None, 100.0),
    # C2: weekly 140 => 20/day, 15 Jan to 15 Mar 2024 (61 days, leap year).
    (3, "C00000002", "ASC01", "adult_social_care", "Adult Social Care", "Home Care", "Learning Disability",
     date(2024, 1, 15), date(2024, 3, 15), False, "Weekly", 140.0, 20.0, None),
    # C3: housing benefit, weekly 70 => 10/day, ongoing to the extract date 29 Feb 2024.
    (4, "C00000003", "RB01", "housing_benefit", "Housing Benefit", "Housing Benefit Entitlement", None,
     date(2023, 12, 1), date(2024, 2, 29), True, "Weekly", 70.0, 10.0, None),
    # C4: ever in TA: nightly 80 across the leap day, 28 Feb to 1 Mar 2024 (3 nights... 3 days).
    (5, "C00000004", "H01A", "temporary_accommodation", "Temporary Accommodation", "Bed and Breakfast", None,
     date(2024, 2, 28), date(2024, 3, 1), False, "Nightly", 80.0, 80.0, None),
    # C4: housing benefit too, 7/day, Feb 2024.
    (6, "C00000004", "RB01", "housing_benefit", "Housing Benefit", "Housing Benefit Entitlement", None,
     date(2024, 2, 1), date(2024, 2, 29), False, "Weekly", 49.0, 7.0, None),
    # C6: monthly 365.0 => 12/day, one year 2023.
    (7, "C00000006", "GS00", "general_service", "General Service", "Floating Support", None,
     date(2023, 1, 1), date(2023, 12, 31), False, "Monthly", 365.0, 12.0, None),
]

# client_id, age, age_band, ever_ta, in_tf, hb_switch, service_count, first, last, record_count
DIM_CLIENT = [
    ("C00000001", 40, "35-44", True, False, False, 2, date(2024, 1, 1), date(2024, 2, 29), 2),
    ("C00000002", 70, "65-74", False, True, False, 1, date(2024, 1, 15), date(2024, 3, 15), 2),
    ("C00000003", 25, "25-34", False, False, True, 1, date(2023, 12, 1), date(2024, 2, 29), 2),
    ("C00000004", 19, "18-24", True, False, False, 2, date(2024, 2, 1), date(2024, 3, 1), 2),
    ("C00000005", 33, "25-34", False, True, False, 0, None, None, 1),
    ("C00000006", None, None, False, False, False, 1, date(2023, 1, 1), date(2023, 12, 31), 1),
]

# client_id, membership, schema_code
MEMBERSHIP = [
    ("C00000001", "Temporary Accommodation", "H01A"),
    ("C00000001", "Adult Social Care", "ASC01"),
    ("C00000002", "Adult Social Care", "ASC01"),
    ("C00000002", "Troubled Families", "TF01"),
    ("C00000003", "Housing Benefit", "RB01"),
    ("C00000003", "Housing Benefit Switch", "RB03"),
    ("C00000004", "Temporary Accommodation", "H01A"),
    ("C00000004", "Housing Benefit", "RB01"),
    ("C00000005", "Troubled Families", "TF01"),
    ("C00000006", "General Service", "GS00"),
]

# household_id, client_id, valid_from, valid_to (C6 has no household)
HOUSEHOLD_MEMBERSHIP = [
    ("H00000001", "C00000001", date(2023, 1, 1), None),
    ("H00000001", "C00000004", date(2024, 2, 1), None),
    ("H00000002", "C00000002", date(2020, 1, 1), None),
    ("H00000002", "C00000005", date(2020, 1, 1), None),
    ("H00000003", "C00000003", date(2023, 12, 1), None),
]
# household_id, first_date, last_date, is_current, members_ever, current_members, max_members,
# with_children, is_temporary_accommodation, ever_temporary_accommodation, is_shared_address
DIM_HOUSEHOLD = [
    ("H00000001", date(2023, 1, 1), None, True, 2, 2, 2, False, False, True, False),
    ("H00000002", date(2020, 1, 1), None, True, 2, 2, 2, True, False, False, False),
    ("H00000003", date(2023, 12, 1), None, True, 1, 1, 1, False, False, False, False),
]

# restricted.identity_records: record_key, client_id, schema_code, source_file, source_row,
# reference, firstname, surname, dob, postcode
IDENTITY_RECORDS = [
    ("H01A:ta_jan.xlsx:2", "C00000001", "H01A", "ta_jan.xlsx", 2, "P123", "Ann", "Example", date(1984, 3, 3), "AB1 2CD"),
    ("ASC01:asc.csv:7", "C00000001", "ASC01", "asc.csv", 7, "A77", "Anne", "Example", date(1984, 3, 3), "AB1 2CD"),
    ("ASC01:asc.csv:3", "C00000002", "ASC01", "asc.csv", 3, "A12", "Bob", "Sample", date(1954, 6, 1), "EF3 4GH"),
    ("TF01:tf.xlsx:2", "C00000002", "TF01", "tf.xlsx", 2, "T9", "Robert", "Sample", date(1954, 6, 1), "EF3 4GH"),
]
#: identity_records.file_type of each schema code above
FILE_TYPES = {"H01A": "temporary_accommodation", "ASC01": "adult_social_care", "TF01": "troubled_families"}
IDENTITY = [
    ("C00000001", "Ann", "Example", date(1984, 3, 3), "AB1 2CD", "1 Test Street"),
    ("C00000002", "Bob", "Sample", date(1954, 6, 1), "EF3 4GH", "2 Test Road"),
]
MATCH_LINKS = [
    ("H01A:ta_jan.xlsx:2", "ASC01:asc.csv:7", "surname+dob+postcode", 0.97),
    ("ASC01:asc.csv:3", "TF01:tf.xlsx:2", "manual", None),
]


def _full_row(rec) -> list:
    """A fct_service_use row with all 17 columns: cost_per_financial_year NULL when left off;
    service_type_raw (the type as the file gave it) the service type, and service_category
    the service, when left off."""
    row = list(rec) + [None] * (15 - len(rec))
    return row + [rec[5], rec[4]][len(row) - 15:]


def financial_year_first_days(start: date, end: date) -> list[date]:
    """The record's first day in each financial year (1 April - 31 March) it overlaps."""
    days, d = [start], start
    while True:
        d = date(d.year + (d.month >= 4), 4, 1)
        if d > end:
            return days
        days.append(d)


def monthly_costs(service_use=SERVICE_USE):
    """fct_cost_monthly, worked out day by day in Python (independently of costcalc.reports)."""
    out: dict[tuple, float] = {}
    for rec in service_use:
        _, client, _, _, service, stype, _, start, end, _, _, _, per_day, one_off, per_fy = _full_row(rec)[:15]
        if per_fy is not None and end is not None:
            for first in financial_year_first_days(start, end):
                key = (client, service, stype, first.replace(day=1))
                out[key] = out.get(key, 0.0) + per_fy
        if one_off is not None:
            key = (client, service, stype, start.replace(day=1))
            out[key] = out.get(key, 0.0) + one_off
        if per_day is not None:
            d = start
            while end is not None and d <= end:
                key = (client, service, stype, d.replace(day=1))
                out[key] = out.get(key, 0.0) + per_day
                d += timedelta(days=1)
    return [(*k, v) for k, v in sorted(out.items())]


def fill_report_marts(con, service_use=SERVICE_USE, dim_client=DIM_CLIENT, membership=MEMBERSHIP) -> None:
    """marts.fct_service_use, dim_client and fct_client_membership (what the reports read)
    on ``con``: a DuckDB connection or a server engine's (costcalc.warehouse.engines)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute("""CREATE TABLE marts.fct_service_use (
        service_use_id BIGINT, client_id VARCHAR, schema_code VARCHAR, file_type VARCHAR,
        service VARCHAR, service_type VARCHAR, need VARCHAR, start_date DATE, end_date DATE,
        is_ongoing BOOLEAN, frequency VARCHAR, unit_cost DECIMAL(18,4), cost_per_day DOUBLE,
        one_off_cost DECIMAL(18,4), cost_per_financial_year DOUBLE,
        service_type_raw VARCHAR, service_category VARCHAR)""")
    for r in service_use:
        con.execute("INSERT INTO marts.fct_service_use VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", _full_row(r))
    con.execute("""CREATE TABLE marts.dim_client (
        client_id VARCHAR, age INTEGER, age_band VARCHAR, ever_temporary_accommodation BOOLEAN,
        in_troubled_families BOOLEAN, housing_benefit_switch BOOLEAN, service_count INTEGER,
        first_service_date DATE, last_service_date DATE, record_count INTEGER)""")
    for r in dim_client:
        con.execute("INSERT INTO marts.dim_client VALUES (?,?,?,?,?,?,?,?,?,?)", list(r))
    con.execute("CREATE TABLE marts.fct_client_membership (client_id VARCHAR, membership VARCHAR, schema_code VARCHAR)")
    for r in membership:
        con.execute("INSERT INTO marts.fct_client_membership VALUES (?,?,?)", list(r))


def build_marts(path: Path, service_use=SERVICE_USE, dim_client=DIM_CLIENT, membership=MEMBERSHIP,
                restricted: bool = True, match_links: bool = False) -> Path:
    con = duckdb.connect(str(path))
    try:
        fill_report_marts(con, service_use, dim_client, membership)
        con.execute("""CREATE TABLE marts.fct_cost_monthly (
            client_id VARCHAR, service VARCHAR, service_type VARCHAR, month DATE, cost DOUBLE)""")
        monthly = [list(r) for r in monthly_costs(service_use)]
        if monthly:
            con.executemany("INSERT INTO marts.fct_cost_monthly VALUES (?,?,?,?,?)", monthly)
        con.execute("""CREATE TABLE marts.client_record_links (
            source_file VARCHAR, source_row INTEGER, schema_code VARCHAR, client_id VARCHAR)""")
        con.executemany("INSERT INTO marts.client_record_links VALUES (?,?,?,?)",
                        [[r[3], r[4], r[2], r[1]] for r in IDENTITY_RECORDS])
        con.execute("""CREATE TABLE marts.fct_household_membership (
            household_id VARCHAR, client_id VARCHAR, valid_from DATE, valid_to DATE)""")
        con.executemany("INSERT INTO marts.fct_household_membership VALUES (?,?,?,?)",
                        [list(r) for r in HOUSEHOLD_MEMBERSHIP])
        con.execute("""CREATE TABLE marts.dim_household (
            household_id VARCHAR, first_date DATE, last_date DATE, is_current BOOLEAN, members_ever BIGINT,
            current_members BIGINT, max_members BIGINT, with_children BOOLEAN, is_temporary_accommodation BOOLEAN,
            ever_temporary_accommodation BOOLEAN, is_shared_address BOOLEAN)""")
        con.executemany("INSERT INTO marts.dim_household VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        [list(r) for r in DIM_HOUSEHOLD])
        if restricted:  # the restricted layer's own file, as the build makes it
            ensure_restricted_file(restricted_path(path))
            con.execute(attach_sql(restricted_path(path)))
            con.execute("""CREATE TABLE restricted.client_identity (
                client_id VARCHAR, firstname VARCHAR, surname VARCHAR, dob DATE, postcode VARCHAR, address VARCHAR)""")
            con.executemany("INSERT INTO restricted.client_identity VALUES (?,?,?,?,?,?)", [list(r) for r in IDENTITY])
            con.execute("""CREATE TABLE restricted.identity_records (
                record_key VARCHAR, client_id VARCHAR, schema_code VARCHAR, file_type VARCHAR, source_file VARCHAR,
                source_row INTEGER, reference VARCHAR, firstname VARCHAR, surname VARCHAR, dob DATE,
                postcode VARCHAR)""")
            con.executemany("INSERT INTO restricted.identity_records VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                            [[r[0], r[1], r[2], FILE_TYPES[r[2]], *r[3:]] for r in IDENTITY_RECORDS])
            if match_links:
                con.execute("""CREATE TABLE restricted.match_links (
                    record_key_a VARCHAR, record_key_b VARCHAR, rule VARCHAR, score DOUBLE)""")
                con.executemany("INSERT INTO restricted.match_links VALUES (?,?,?,?)", [list(r) for r in MATCH_LINKS])
            con.execute("DETACH restricted")
    finally:
        con.close()
    publish_duckdb(path, build_id=1, last_load_id=None)  # what `costcalc report` reads
    return path


def table_counts(path: Path) -> dict[str, int]:
    """Row counts of every table, in the warehouse file and its restricted file (``restricted.<table>``,
    ``audit.<table>``), to prove nothing was dropped or changed."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        if restricted_path(path).exists():
            con.execute(attach_sql(restricted_path(path), read_only=True))
        tables = con.execute(
            "SELECT table_catalog, table_schema, table_name FROM information_schema.tables ORDER BY 1, 2, 3").fetchall()
        out = {}
        for c, s, t in tables:
            name = (f"restricted.{t}" if s == "main" else f"{s}.{t}") if c == "restricted" else f"{s}.{t}"
            out[name] = con.execute(f'SELECT count(*) FROM "{c}"."{s}"."{t}"').fetchone()[0]
        return out
    finally:
        con.close()
