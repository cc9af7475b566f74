"""Durations written as text with a unit: ``24h``, ``30d``, ``2w``, ``6y`` (costcalc.yml's
``retention:`` settings, docs/settings.md)."""

from __future__ import annotations

import re
from datetime import timedelta

#: Unit -> its length. A year is 365 days (a retention period, not a calendar sum).
UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1), "y": timedelta(days=365)}
_NAMES = {"hour": "h", "hours": "h", "day": "d", "days": "d", "week": "w", "weeks": "w", "year": "y",
          "years": "y"}
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([a-z]+)\s*$", re.IGNORECASE)
HOW = "a whole number and a unit: h (hours), d (days), w (weeks) or y (years), e.g. 30d"


class DurationError(ValueError):
    """Text that is not a duration (the message says what one looks like)."""


def parse_duration(text) -> timedelta:
    """``'30d'`` -> 30 days. A bare number, a fraction, a negative number or an unknown unit
    is refused (``DurationError``): a unit must be said, so ``30`` cannot mean 30 hours to one
    reader and 30 days to another; ``m`` is refused as ambiguous (minutes or months)."""
    if isinstance(text, bool) or text is None:
        raise DurationError(f"{text!r} is not a duration: write {HOW}")
    if isinstance(text, (int, float)):
        raise DurationError(f"{text!r} has no unit: write {HOW}")
    match = _DURATION.match(str(text))
    if not match:
        raise DurationError(f"{str(text)!r} is not a duration: write {HOW}")
    number, unit = int(match.group(1)), match.group(2).lower()
    unit = _NAMES.get(unit, unit)
    if unit in ("m", "min", "mins", "minute", "minutes", "month", "months", "mo"):
        raise DurationError(f"{str(text)!r}: the unit {match.group(2)!r} is not used (minutes or months?); "
                            f"write {HOW}")
    if unit not in UNITS:
        raise DurationError(f"{str(text)!r}: unknown unit {match.group(2)!r}; write {HOW}")
    return number * UNITS[unit]


def describe_age(age: timedelta) -> str:
    """An age, roughly, for a person: ``5h``, ``31d``, ``2y 40d``."""
    hours = max(0, int(age.total_seconds() // 3600))
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 730:
        return f"{days}d"
    return f"{days // 365}y {days % 365}d"
