"""Scoring the household index against the demo generator's ground truth.

Pairwise, on given days: a pair of clients "lives together" on day X in the
truth when the people they are (the person most of a client's rows belong to,
``_truth/rows.csv``) have rows of ``_truth/residence.csv`` covering X with the
same household and the same address; the index says so when both clients have a
``fct_household_membership`` row of the same household valid on X. Two clients
that are the same person (a matching split) are no pair. Precision and recall
are over the pairs summed across the days.

Used by tests/test_households.py and bench/bench_households.py; it reads the
marts through any DB-API connection (DuckDB or a server), so it scores every
engine the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class Scores:
    days: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    out = []
    y, m = first.year, first.month
    while True:
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        d = nxt - dt.timedelta(days=1)
        if d > last:
            return out
        out.append(d)
        y, m = nxt.year, nxt.month


def _rows(con, sql: str) -> list[tuple]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def score(con, truth_dir: Path, days: list[dt.date]) -> Scores:
    """Score the warehouse behind ``con`` (marts schema) against ``truth_dir``."""
    links = _rows(con, "select source_file, source_row, client_id from marts.client_record_links")
    members = _rows(con, "select household_id, client_id, valid_from, valid_to from marts.fct_household_membership")
    db = duckdb.connect()
    db.execute("create table links (source_file varchar, source_row integer, client_id varchar)")
    db.executemany("insert into links values (?, ?, ?)", links)
    db.execute("create table members (household_id varchar, client_id varchar, valid_from date, valid_to date)")
    if members:
        db.executemany("insert into members values (?, ?, ?, ?)", members)
    rows_csv = str(Path(truth_dir) / "rows.csv")
    residence_csv = str(Path(truth_dir) / "residence.csv")
    with open(residence_csv, newline="", encoding="utf-8") as fh:
        residence = [(r["person_id"], r["household_id"], r["valid_from"], r["valid_to"] or None, r["uprn"])
                     for r in csv.DictReader(fh)]
    db.execute("create table residence (person_id varchar, household_id varchar, valid_from date, "
               "valid_to date, uprn varchar)")
    db.executemany("insert into residence values (?, ?, ?, ?, ?)", residence)
    db.execute("create table days (day date)")
    db.executemany("insert into days values (?)", [(d,) for d in days])
    db.execute(f"""
        create table client_person as
        select client_id, person_id from (
            select links.client_id, t.person_id,
                   row_number() over (partition by links.client_id order by count(*) desc, t.person_id) as rn
            from links
            inner join read_csv('{rows_csv}', header=true, all_varchar=true) as t
                on t.source_file = links.source_file and cast(t.source_row as integer) = links.source_row
            where t.status = 'accepted'
            group by links.client_id, t.person_id
        ) where rn = 1
    """)
    truth = """
        select days.day, a.client_id as a, b.client_id as b
        from days
        cross join client_person as a
        inner join client_person as b on a.client_id < b.client_id and a.person_id <> b.person_id
        inner join residence as ra on ra.person_id = a.person_id
            and ra.valid_from <= days.day and coalesce(ra.valid_to, date '9999-12-31') >= days.day
        inner join residence as rb on rb.person_id = b.person_id
            and rb.valid_from <= days.day and coalesce(rb.valid_to, date '9999-12-31') >= days.day
        where ra.household_id = rb.household_id and ra.uprn = rb.uprn
    """
    predicted = """
        select days.day, ma.client_id as a, mb.client_id as b
        from days
        cross join members as ma
        inner join members as mb on mb.household_id = ma.household_id and ma.client_id < mb.client_id
        inner join client_person as pa on pa.client_id = ma.client_id
        inner join client_person as pb on pb.client_id = mb.client_id
        where pa.person_id <> pb.person_id
          and ma.valid_from <= days.day and coalesce(ma.valid_to, date '9999-12-31') >= days.day
          and mb.valid_from <= days.day and coalesce(mb.valid_to, date '9999-12-31') >= days.day
    """
    t, p, c = db.execute(f"""
        with t as ({truth}), p as ({predicted})
        select (select count(*) from t), (select count(*) from p),
               (select count(*) from (select * from t intersect select * from p))
    """).fetchone()
    return Scores(len(days), t, p, c)
