"""Unit tests of the value parsers (costcalc.ingest.values): one type at a time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from costcalc.ingest import values as v
from costcalc.schemas import load_frequencies
from costcalc.ingest.values import InvalidValue

D = dt.date


# ----------------------------------------------------------------------- dates

@pytest.mark.parametrize("text, expected", [
    ("31/01/2024", D(2024, 1, 31)),
    ("01/02/2024", D(2024, 2, 1)),          # UK order: 1 February, never 2 January
    ("1/2/2024", D(2024, 2, 1)),
    (" 5/11/1980 ", D(1980, 11, 5)),
    ("31-01-2024", D(2024, 1, 31)),
    ("31.01.2024", D(2024, 1, 31)),
    ("2024-01-31", D(2024, 1, 31)),
    ("2024-1-5", D(2024, 1, 5)),
    ("2024/01/31", D(2024, 1, 31)),
    ("20240131", D(2024, 1, 31)),
    ("2024-01-31 00:00:00", D(2024, 1, 31)),
    ("2024-01-31T13:45:00", D(2024, 1, 31)),
    ("31/01/2024 00:00", D(2024, 1, 31)),
    ("31 Jan 2024", D(2024, 1, 31)),
    ("31-Jan-2024", D(2024, 1, 31)),
    ("1 September 2023", D(2023, 9, 1)),
    ("29/02/2024", D(2024, 2, 29)),
])
def test_date_text_formats(text, expected):
    assert v.parse_date(text) == expected


@pytest.mark.parametrize("text, reason", [
    ("12/31/2024", "not a real date"),     # US order is never guessed
    ("31/02/2024", "not a real date"),
    ("29/02/2023", "not a real date"),
    ("20241301", "not a real date"),
    ("31/01/24", "two-digit year"),
    ("1/2/24", "two-digit year"),
    ("yesterday", "not a date"),
    ("2024-01", "not a date"),
    ("31/01/0202", "out of range"),
    ("31/12/9999", "out of range"),
    ("32 Jan 2024", "not a real date"),
    ("1 Foo 2024", "unknown month"),
])
def test_date_rejections(text, reason):
    with pytest.raises(InvalidValue, match=reason):
        v.parse_date(text)


def test_date_real_excel_values():
    assert v.parse_date(dt.datetime(2024, 3, 1, 0, 0)) == D(2024, 3, 1)
    assert v.parse_date(dt.datetime(2024, 3, 1, 17, 30)) == D(2024, 3, 1)
    assert v.parse_date(D(1950, 6, 7)) == D(1950, 6, 7)
    # a number in an .xlsx date column: 8 digits is yyyymmdd, else an Excel serial
    assert v.parse_date(20240131) == D(2024, 1, 31)
    assert v.parse_date(20240131.0) == D(2024, 1, 31)
    assert v.parse_date(45322) == D(2024, 1, 31)
    assert v.parse_date(45322.0) == D(2024, 1, 31)
    with pytest.raises(InvalidValue):
        v.parse_date(45322.5)
    with pytest.raises(InvalidValue):
        v.parse_date(True)


@pytest.mark.parametrize("token", ["", "  ", "N/A", "n/a", "NULL", "null", "-", "--", "unknown", "Unknown",
                                   "none", "NA", "nil", "not known"])
def test_null_tokens_are_blank_in_typed_columns(token):
    assert v.parse_date(token) is None
    assert v.parse_money(token) is None
    assert v.parse_integer(token) is None
    assert v.parse_postcode(token) is None
    assert v.parse_nhs_number(token) is None
    assert v.parse_ni_number(token) is None
    assert v.parse_frequency(token) is None
    assert v.parse_frequency(token, "Weekly") == "Weekly"


def test_null_tokens_are_kept_in_text_columns():
    assert v.parse_text("Null") == "Null"   # a real surname
    assert v.parse_text("N/A") == "N/A"
    assert v.parse_text("   ") is None
    assert v.parse_text(None) is None


# ----------------------------------------------------------------------- money

@pytest.mark.parametrize("text, expected", [
    ("1234.56", "1234.5600"),
    ("£1,234.56", "1234.5600"),
    ("£ 1,234.56", "1234.5600"),
    ("-£12.50", "-12.5000"),
    ("£-12.50", "-12.5000"),
    ("(12.50)", "-12.5000"),
    ("(£1,000)", "-1000.0000"),
    ("12.50-", "-12.5000"),
    ("GBP 10", "10.0000"),
    (".5", "0.5000"),
    ("0", "0.0000"),
    ("-0.00", "0.0000"),
    ("12.34567", "12.3457"),
    ("1,000,000", "1000000.0000"),
    (1234.5, "1234.5000"),
    (0.1 + 0.2, "0.3000"),
    (15, "15.0000"),
])
def test_money(text, expected):
    assert v.parse_money(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["12,34", "1,2345.00", "£", "abc", "12.5.1", "--12", "(-12)", "1e5",
                                  "100000000000000", "€12", "12 50"])
def test_money_rejections(text):
    with pytest.raises(InvalidValue):
        v.parse_money(text)


# --------------------------------------------------------------------- integer

def test_integer():
    assert v.parse_integer("3") == 3
    assert v.parse_integer("1,200") == 1200
    assert v.parse_integer("-2") == -2
    assert v.parse_integer("4.0") == 4
    assert v.parse_integer(4.0) == 4
    assert v.parse_integer(7) == 7
    for bad in ("1.5", "three", "1,20", 2.5, True):
        with pytest.raises(InvalidValue):
            v.parse_integer(bad)


# -------------------------------------------------------------------- postcode

@pytest.mark.parametrize("text, expected", [
    ("SW1A 1AA", "SW1A 1AA"), ("sw1a1aa", "SW1A 1AA"), (" sw1a   1aa ", "SW1A 1AA"),
    ("M1 1AE", "M1 1AE"), ("m11ae", "M1 1AE"), ("B33 8TH", "B33 8TH"), ("CR2 6XH", "CR2 6XH"),
    ("DN55 1PT", "DN55 1PT"), ("W1A 0AX", "W1A 0AX"), ("EC1A 1BB", "EC1A 1BB"), ("GIR 0AA", "GIR 0AA"),
])
def test_postcode_normalised(text, expected):
    assert v.parse_postcode(text) == expected


@pytest.mark.parametrize("text", ["SW1A", "12345", "SW1A 1A", "QA1 1AA", "SW1A 1AAA", "SW1A-1AA!",
                                  "AA1 1CI", "hello"])
def test_postcode_rejections(text):
    with pytest.raises(InvalidValue, match="postcode"):
        v.parse_postcode(text)


def test_postcode_number_cell_rejected():
    with pytest.raises(InvalidValue):
        v.parse_postcode(12345.0)


# ------------------------------------------------------------------ NHS number

def test_nhs_number_checksum():
    assert v.parse_nhs_number("9434765919") == "9434765919"
    assert v.parse_nhs_number("943 476 5919") == "943 476 5919".replace(" ", "")
    assert v.parse_nhs_number("943-476-5919") == "9434765919"
    assert v.parse_nhs_number(9434765919.0) == "9434765919"
    assert v.parse_nhs_number("4010232137") == "4010232137"
    with pytest.raises(InvalidValue, match="check digit"):
        v.parse_nhs_number("9434765918")
    with pytest.raises(InvalidValue, match="10 digits"):
        v.parse_nhs_number("943476591")
    with pytest.raises(InvalidValue, match="10 digits"):
        v.parse_nhs_number("94347659199")
    with pytest.raises(InvalidValue, match="10 digits"):
        v.parse_nhs_number("94347A5919")


def test_nhs_number_all_same_digits_are_accepted_placeholders():
    # 0000000000 .. 9999999999 pass the modulus-11 sum but nobody has them: they are
    # listed placeholders (seeds/match_placeholders.csv), accepted and kept, never
    # evidence for matching (docs/loading.md "Placeholders").
    for d in "0123456789":
        assert v.parse_nhs_number(d * 10) == d * 10
    assert v.parse_nhs_number("000 000 0000") == "0000000000"


def test_nhs_check_digit_of_ten_is_invalid():
    # weights 10..2 on 000000001 -> sum 2 -> 11 - 2 = 9; find one whose check would be 10
    digits = "000000010"  # sum = 3 -> check 8
    assert v.nhs_checksum_ok(digits + "8")
    bad = next(f"{n:09d}" for n in range(1, 10_000) if 11 - sum(int(c) * (10 - i) for i, c in enumerate(f"{n:09d}")) % 11 == 10)
    for last in "0123456789":
        assert not v.nhs_checksum_ok(bad + last)


# ------------------------------------------------------------------- NI number

def test_ni_number():
    assert v.parse_ni_number("AB123456C") == "AB123456C"
    assert v.parse_ni_number("ab 12 34 56 c") == "AB123456C"
    assert v.parse_ni_number("QQ 12 34 56 A") == "QQ123456A"  # the gov.uk example prefix
    # TN: a temporary reference (TN + date of birth + M/F), a listed placeholder: accepted
    assert v.parse_ni_number("TN 01 01 80 M") == "TN010180M"
    assert v.parse_ni_number("TN123456A") == "TN123456A"
    with pytest.raises(InvalidValue, match="National Insurance"):
        v.parse_ni_number("TN12")  # not even its shape
    for bad in ("AB123456", "AB123456E", "A1234567C", "BG123456A", "GB123456A", "NK123456A",
                "ZZ123456A", "DA123456A", "AO123456A", "AB12345C", "123456789"):
        with pytest.raises(InvalidValue, match="National Insurance"):
            v.parse_ni_number(bad)


# ------------------------------------------------------------------- frequency

def test_frequency_every_name_and_synonym():
    for name, f in load_frequencies().items():
        for spelling in (name, *f.synonyms):
            assert v.parse_frequency(spelling) == name
            assert v.parse_frequency(spelling.upper()) == name
            assert v.parse_frequency(spelling.replace(" ", "_")) == name


@pytest.mark.parametrize("text, expected", [
    ("per-week", "Weekly"), ("PW", "Weekly"), ("four_weekly", "4 Weekly"), ("one off", "One-off"),
    ("oneoff", "One-off"), ("Per Annum", "Annual"), ("  nightly ", "Daily"), ("2-weekly", "Fortnightly"),
    ("intermittent (per financial year)", "Intermittent (per Financial Year)"),
    ("INTERMITTENT", "Intermittent (per Financial Year)"), ("per-financial-year", "Intermittent (per Financial Year)"),
])
def test_frequency_spellings(text, expected):
    assert v.parse_frequency(text) == expected


def test_frequency_unknown_names_the_value_and_default_applies():
    with pytest.raises(InvalidValue, match="'Quarterly'"):
        v.parse_frequency("Quarterly")
    assert v.parse_frequency("", "Weekly") == "Weekly"
    assert v.parse_frequency(None, "One-off") == "One-off"
    assert v.parse_frequency(None) is None


def test_text_from_excel_cells():
    assert v.parse_text(12.0) == "12"
    assert v.parse_text(12.5) == "12.5"
    assert v.parse_text(dt.datetime(2024, 1, 2)) == "2024-01-02"
    assert v.parse_text(True) == "TRUE"
    assert v.parse_text("  x  ") == "x"


def test_frequency_spellings_follow_a_changed_project_directory(tmp_path, monkeypatch):
    """parse_frequency's own cache of spellings is forgotten with the registry's
    (costcalc.schemas.clear_caches): a project's frequencies.yaml is then used."""
    from pathlib import Path

    from costcalc.schemas import clear_caches

    assert v.parse_frequency("Weekly") == "Weekly"  # the shipped spellings, cached
    project = tmp_path / "project"
    (project / "schemas").mkdir(parents=True)
    shipped = (Path(__file__).resolve().parents[1] / "schemas" / "frequencies.yaml").read_text(encoding="utf-8")
    (project / "schemas" / "frequencies.yaml").write_text(
        shipped + "Quarterly: {multiply: 4, divide: 365, synonyms: [Every quarter]}\n", encoding="utf-8")
    monkeypatch.setenv("COSTCALC_PROJECT_DIR", str(project))
    clear_caches()
    try:
        assert v.parse_frequency("every quarter") == "Quarterly"
    finally:
        monkeypatch.delenv("COSTCALC_PROJECT_DIR")
        clear_caches()
    with pytest.raises(InvalidValue):
        v.parse_frequency("every quarter")
