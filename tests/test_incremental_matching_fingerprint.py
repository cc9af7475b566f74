"""The profile fingerprint of incremental matching (docs/matching.md, "Incremental builds";
decision 0014): int_match_pair_levels keeps a pair's levels while both profiles'
int_match_profiles.match_fp stay, so match_fp must hash every profile column
match_pair_levels() reads, or a change of that column alone would keep a stale level.

- Read from the files: every column the macro reads is hashed by match_fp (or is made in
  int_match_profiles from hashed columns only: fn_initial from fn, dob_num from dob).
- Built with the real matching models on DuckDB: a record with a placeholder date of birth
  keeps its profile key (a profile of its own, keyed by the record) when its address
  changes; the next, incremental, run compares its pair again and gives the address level
  and link of a full refresh.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from helpers import match_dbt

REPO = Path(__file__).resolve().parents[1]
LEVELS = REPO / "macros" / "matching" / "match_pair_levels.sql"
PROFILES = REPO / "models" / "intermediate" / "matching" / "int_match_profiles.sql"
#: columns int_match_profiles makes from others in its final select: column -> what it reads
DERIVED = {"fn_initial": {"fn"}, "dob_num": {"dob"}}


def columns_the_levels_read() -> set[str]:
    text = LEVELS.read_text(encoding="utf-8")
    return set(re.findall(r"\{\{ [ab] \}\}\.(\w+)", text)) | set(re.findall(r"\b[ab] ~ '\.(\w+)'", text))


def fingerprinted_columns() -> set[str]:
    text = PROFILES.read_text(encoding="utf-8")
    hashed = text[text.index("dbt.hash("):text.index("as match_fp")]
    return set(re.findall(r"coalesce\((?:cast\()?p\.(\w+)", hashed))


def test_the_fingerprint_hashes_every_column_the_comparison_levels_read():
    read = columns_the_levels_read()
    assert {"sn", "fn", "dob", "pc", "nhs", "ni", "addr", "fn_canon", "dob_num"} <= read, read  # the parse works
    hashed = fingerprinted_columns()
    assert "addr" in hashed, "the street line of the address (addr_level) is compared"
    text = PROFILES.read_text(encoding="utf-8")
    for column in read:
        if column in hashed:
            continue
        assert column in DERIVED, f"match_pair_levels reads {column}, which match_fp does not hash"
        made = re.search(r"\n    ([^\n]*(?:\n    \+[^\n]*)*) as " + column + r",", text)
        assert made, f"{column}: not made in int_match_profiles' final select"
        assert DERIVED[column] <= set(re.findall(r"'(\w+)'", made.group(1))), made.group(1)
        assert DERIVED[column] <= hashed, f"{column} is made from {DERIVED[column]}, which match_fp must hash"


def _record(key: str, dob: dt.date, address: str) -> dict:
    return {"record_key": key, "surname": "Ormerod", "firstname": "Jane", "dob": dob,
            "postcode": "LS1 1AA", "address": address, "first_load_order": 1}


def _pair(wh: Path) -> tuple:
    con = duckdb.connect(str(wh))
    try:
        return con.execute(
            "select l.addr_level, p.addr_level, p.addr_weight, p.score, l.levelled_by_invocation "
            "from intermediate.int_match_pair_levels as l "
            "inner join intermediate.int_match_pairs as p on p.pk_a = l.pk_a and p.pk_b = l.pk_b").fetchall()
    finally:
        con.close()


def test_a_changed_address_compares_the_pair_again(tmp_path):
    wh = tmp_path / "w.duckdb"
    # X's date of birth is a placeholder: X keeps a profile of its own (keyed by its record),
    # so a change of X's address changes X's fingerprint, not its profile key
    x_before = _record("X", dt.date(1900, 1, 1), "1 High Street")
    y = _record("Y", dt.date(1980, 5, 5), "9 Low Road")
    match_dbt.write_input(wh, [x_before, y])
    project = match_dbt.make_project(tmp_path / "dbt", wh)
    match_dbt.run_dbt(project, "seed")
    match_dbt.run_dbt(project, "run")
    (first,) = _pair(wh)
    assert first[:2] == ("different", "different"), first

    match_dbt.write_input(wh, [_record("X", dt.date(1900, 1, 1), "9 Low Road"), y])
    match_dbt.run_dbt(project, "run")  # incremental: int_match_pair_levels keeps what it can
    (again,) = _pair(wh)
    assert again[:2] == ("exact", "exact"), again
    assert again[4] != first[4], "the pair was compared again by the second run"
    match_dbt.run_dbt(project, "run", "--full-refresh")
    (full,) = _pair(wh)
    assert full[:4] == again[:4]
