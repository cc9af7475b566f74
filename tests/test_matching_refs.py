"""How `costcalc match` reads record references (no warehouse needed)."""

from __future__ import annotations

import click
import pytest

from costcalc.commands.match import RecordRef, check_reason, parse_ref


def test_a_row_reference_with_and_without_a_client_id():
    assert parse_ref("gs00:gs_march.csv:12") == RecordRef(schema_code="GS00", source_file="gs_march.csv", source_row=12)
    assert parse_ref("c00000042:ASC01:asc 2024.xlsx:7") == RecordRef(
        schema_code="ASC01", source_file="asc 2024.xlsx", source_row=7, client_id="C00000042")


def test_a_record_key():
    assert parse_ref("9f86d081884c7d65") == RecordRef(record_key="9f86d081884c7d65")


@pytest.mark.parametrize("text", ["GS00:file.csv", "GS00:file.csv:row", ":file.csv:3", "GS00::3", "  "])
def test_malformed_references_are_refused(text):
    with pytest.raises(click.UsageError):
        parse_ref(text)


def test_a_reason_is_required():
    with pytest.raises(click.UsageError):
        check_reason("  too  short ")
    assert check_reason("  Same person,   confirmed by phone ") == "Same person, confirmed by phone"
