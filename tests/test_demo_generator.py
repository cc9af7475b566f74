"""The demo generator on its own (no loader, no dbt): deterministic, every
schema and format, and the realism features docs/demo.md promises."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict

import pytest
from openpyxl import load_workbook

from costcalc.demo import TRUTH_DIR, generate
from costcalc.demo import names as N
from costcalc.schemas import get_schema, header_key, load_frequencies

POSTCODE = re.compile(r"^[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}$")
IDENTITY = {"H01A": ("firstname", "surname", "dob", "postcode"), "ASC01": ("firstname", "surname", "dob", "postcode"),
            "GS00": ("firstname", "surname", "dob", "postcode"), "RB03": ("firstname", "lastname", "dob", "postcode"),
            "TF01": ("firstname", "lastname", "dob", "postcode"),
            "RB01": ("claimants_first_forename", "claimants_surname", "claimants_date_of_birth", "claimants_postcode")}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("demo_gen") / "files", people=4000, seed=5)


def _norm_pc(pc: str) -> str:
    c = re.sub(r"\s+", "", pc).upper()
    return f"{c[:-3]} {c[-3:]}"


def test_same_seed_same_files_and_other_seed_other_files(tmp_path):
    a = generate(tmp_path / "a", people=300, seed=3, intensity=3)
    b = generate(tmp_path / "b", people=300, seed=3, intensity=3)
    c = generate(tmp_path / "c", people=300, seed=4, intensity=3)
    assert [f.name for f in a.files] == [f.name for f in b.files]
    for fa, fb in zip(a.files, b.files):
        if fa.fmt == "csv":
            assert fa.path.read_bytes() == fb.path.read_bytes(), fa.name
    truth = (a.truth_dir / "rows.csv").read_text(encoding="utf-8")
    assert truth == (b.truth_dir / "rows.csv").read_text(encoding="utf-8")
    assert truth != (c.truth_dir / "rows.csv").read_text(encoding="utf-8")


def test_all_six_schemas_both_formats_and_encodings(demo):
    assert {f.schema_code for f in demo.person_files} == {"H01A", "ASC01", "RB01", "RB03", "TF01", "GS00"}
    assert [f.schema_code for f in demo.files if f not in demo.person_files] == ["GZ01"]  # and the LLPG
    assert {f.fmt for f in demo.files} == {"xlsx", "csv"}
    assert {f.encoding for f in demo.files if f.fmt == "csv"} >= {"cp1252", "utf-8-sig", "utf-8"}
    assert len(demo.by_schema("H01A")) == 3 and len(demo.by_schema("ASC01")) == 3
    assert len(demo.by_schema("RB01")) == 6 and len(demo.by_schema("GS00")) == 2
    # Windows-1252 files really are: they are not valid UTF-8 when they hold accented names.
    cp = [f for f in demo.files if f.encoding == "cp1252"]
    raw = b"".join(f.path.read_bytes() for f in cp)
    assert any(b > 0x7F for b in raw)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_headers_match_the_schema_columns(demo):
    """Every file's headers are its schema's columns (in their accepted spellings) plus extras."""
    for f in demo.files:
        schema = get_schema(f.schema_code)
        if f.fmt == "xlsx":
            ws = load_workbook(f.path, read_only=True).worksheets[0]
            header = [c.value for c in next(ws.iter_rows(max_row=1))]
        else:
            with open(f.path, encoding=f.encoding, newline="") as fh:
                header = next(csv.reader(fh))
        matched = schema.match_headers(header)
        assert {c.name for c in matched.values()} == {c.name for c in schema.columns}, f.name
        extras = [h for i, h in enumerate(header) if i not in matched]
        assert extras == f.extra_columns, f.name
        assert header_key(header[0]) != ""


def test_xlsx_dates_are_real_date_cells_and_rows_are_numbered_as_in_excel(demo):
    f = demo.by_schema("H01A")[0]
    ws = load_workbook(f.path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    dob = header.index("DOB")
    for r in f.rows:
        excel = rows[r.source_row - 1]
        if r.blank:
            assert all(v is None for v in excel)
        else:
            assert isinstance(excel[dob], dt.datetime) and excel[dob].date() == r.values["dob"]


def test_truth_is_written_apart_and_covers_every_row(demo):
    truth = demo.out_dir / TRUTH_DIR
    assert {p.name for p in truth.iterdir()} == {"rows.csv", "people.csv", "residence.csv", "manifest.json"}
    assert not any(p.suffix in (".csv", ".xlsx") for p in demo.out_dir.iterdir() if p.is_file()
                   and p.name not in {f.name for f in demo.files})
    with open(truth / "rows.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(len(f.rows) for f in demo.person_files)  # the gazetteer's rows are no one's
    by_status = defaultdict(int)
    for r in rows:
        by_status[r["status"]] += 1
        assert (r["person_id"] != "") == (r["status"] != "blank")
    assert by_status["rejected"] == sum(len(f.rejected_rows) for f in demo.files) >= 12
    assert by_status["blank"] == 2


def test_planted_rows_are_bad_and_good_rows_are_good(demo):
    for f in demo.person_files:
        schema = get_schema(f.schema_code)
        mandatory = [c.name for c in schema.mandatory]
        for r in f.accepted_rows:
            assert all(r.values.get(c) not in (None, "") for c in mandatory), (f.name, r.source_row)
            pcol = IDENTITY[f.schema_code][3]
            assert POSTCODE.match(_norm_pc(r.values[pcol])), r.values[pcol]
        for r in f.rejected_rows:
            v = r.values[r.planted_column]
            assert v is None or v in ("not known", "Unknown", "Quarterly", "Per hour", "31/13/2025", "30/02/1985")


def test_every_frequency_and_synonyms_appear(demo):
    spellings = {r.values["frequency"] for f in demo.by_schema("ASC01") for r in f.accepted_rows}
    spellings |= {r.values["costfrequency"] for f in demo.by_schema("GS00") for r in f.accepted_rows}
    assert None in spellings  # blank: the column's default
    canonical = {}
    for name, f in load_frequencies().items():
        for s in (name, *f.synonyms):
            canonical[header_key(s)] = name
    named = [s for s in spellings if s is not None]
    # Intermittent (per Financial Year) is no service of the sample borough's; its costing is
    # tested in test_dbt_costing.py, test_reports_costing.py and the dbt unit tests
    assert {canonical[header_key(s)] for s in named} == set(load_frequencies()) - {"Intermittent (per Financial Year)"}
    assert len(named) >= 18  # synonyms, and case and hyphen differences


def test_overlapping_extracts_repeat_records_with_end_dates_filled_in(demo):
    for code, rid_end in (("H01A", "enddate"), ("ASC01", "end"), ("GS00", "enddate")):
        seen: dict[str, list] = defaultdict(list)
        for f in demo.by_schema(code):
            for r in f.accepted_rows:
                seen[r.record_id].append(r.values[rid_end])
        repeated = [ends for ends in seen.values() if len(ends) > 1]
        assert repeated, code
        assert any(ends[0] is None and ends[-1] is not None for ends in repeated), code
    snaps = defaultdict(int)
    for f in demo.by_schema("RB01"):
        for r in f.accepted_rows:
            snaps[r.record_id] += 1
    assert max(snaps.values()) == 6 and min(snaps.values()) == 1


def test_typos_movers_twins_and_temporary_accommodation_elsewhere(demo):
    names = defaultdict(set)
    postcodes = defaultdict(set)
    keys = defaultdict(set)  # (surname, dob, postcode) -> first names
    for f in demo.person_files:
        fn, sn, d, pc = IDENTITY[f.schema_code]
        for r in f.accepted_rows:
            v = r.values
            names[r.person_id].add(v[sn].strip().upper())
            postcodes[r.person_id].add(_norm_pc(v[pc]))
            keys[(v[sn].strip().upper(), v[d], _norm_pc(v[pc]))].add((r.person_id, v[fn].strip().upper()))
    assert sum(len(s) > 1 for s in names.values()) >= 3  # surname typos and variants across systems
    assert sum(len(s) > 1 for s in postcodes.values()) >= 20  # people who moved
    twins = [k for k, who in keys.items() if len({p for p, _ in who}) > 1 and len({n for _, n in who}) > 1]
    assert twins  # same surname, dob and postcode; different people and first names
    people = demo.population.by_id
    ta_rows = [r for f in demo.by_schema("H01A") for r in f.accepted_rows]
    away = [r for r in ta_rows if _norm_pc(r.values["postcode"]) != people[r.person_id].addresses[0][1].postcode]
    assert len(away) == len(ta_rows)  # temporary accommodation is never the family home
    assert any(not _norm_pc(r.values["postcode"]).startswith(("TW3", "TW4", "TW5", "TW7", "TW8", "TW13", "TW14",
                                                               "W4 ")) for r in ta_rows)


def test_residence_truth_has_flats_hostels_and_moves(demo):
    """The household ground truth (docs/demo.md, docs/households.md): every person's homes in order,
    flats sharing a house number, hostels where several households live at once."""
    with open(demo.out_dir / TRUTH_DIR / "residence.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_person = defaultdict(list)
    for r in rows:
        by_person[r["person_id"]].append(r)
    assert set(by_person) == {p.pid for p in demo.population.people}
    for homes in by_person.values():  # consecutive, non-overlapping, the last open
        for a, b in zip(homes, homes[1:]):
            assert dt.date.fromisoformat(a["valid_to"]) + dt.timedelta(days=1) == dt.date.fromisoformat(b["valid_from"])
        assert homes[-1]["valid_to"] == ""
    assert any(len(h) > 1 for h in by_person.values())  # people move
    shared = defaultdict(set)
    for r in rows:
        if r["shared_address"] == "yes":
            shared[r["uprn"]].add(r["household_id"])
    assert any(len(hids) > 1 for hids in shared.values())  # a hostel or care home holds several households
    lines = [a.line1 for p in demo.population.people for _, a in p.addresses]
    converted = [line for line in lines if line.startswith("Flat ") and line.split(", ", 1)[1][0].isdigit()]
    assert converted and any("Hostel" in line for line in lines)


def test_some_adults_placed_in_ta_used_substance_misuse_services_the_year_before(demo):
    """So that the demo's pathways report (docs/pathways.md) has use before entry to show:
    about 40% of the adults placed were assessed, then treated, in the year before their
    household's first placement; people never placed see no such episodes by design."""
    first: dict[str, dt.date] = {}
    for f in demo.by_schema("H01A"):
        for r in f.accepted_rows:
            first[r.person_id] = min(r.values["startdate"], first.get(r.person_id, r.values["startdate"]))
    recent = {p: d for p, d in first.items() if d >= dt.date(2025, 4, 1)}
    before = {r.person_id for f in demo.by_schema("GS00") for r in f.accepted_rows
              if r.person_id in recent
              and recent[r.person_id] - dt.timedelta(days=365) <= r.values["startdate"] < recent[r.person_id]}
    assert len(recent) >= 10
    assert 0.25 <= len(before) / len(recent) <= 0.6, (len(before), len(recent))


def test_the_gazetteer_lists_borough_homes_with_gaps_and_ties(demo):
    """The LLPG extract (docs/demo.md): borough homes only, UPRNs of digits, some homes
    missing and some listed twice under two UPRNs, flats sometimes on a line of their own."""
    (gz,) = demo.by_schema("GZ01")
    rows = [r.values for r in gz.rows]
    assert rows and all(re.fullmatch(r"\d{1,12}", v["uprn"]) for v in rows)
    lived = {a.uprn: a for p in demo.population.people for _, a in p.addresses}
    listed = {v["uprn"] for v in rows}
    borough = {u for u, a in lived.items() if a.postcode.split(" ")[0] in N.DISTRICTS}
    assert listed - set(lived)  # the second UPRN of a home listed twice
    assert 0 < len(borough - listed) < 0.1 * len(borough)  # a few homes missing
    assert not (listed & set(lived)) - borough  # nothing from outside the borough
    keys = Counter((v["address_line_1"], v["address_line_2"], v["postcode"]) for v in rows)
    assert any(n > 1 for n in keys.values())
    assert any(v["address_line_1"].startswith("FLAT ") and "," not in v["address_line_1"] for v in rows)
