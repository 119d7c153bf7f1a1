"""Date expressions typed in meetings."""

from __future__ import annotations

from datetime import date

import pytest

from pmledger.dates import add_months, parse_date
from pmledger.errors import InvalidValueError

WED = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("today", WED),
        ("TOMORROW", date(2026, 11, 26)),
        ("yesterday", date(2026, 11, 24)),
        ("+3d", date(2026, 11, 28)),
        ("+2w", date(2026, 12, 9)),
        ("+1m", date(2026, 12, 25)),
        ("-1d", date(2026, 11, 24)),
        ("+1y", date(2027, 11, 25)),
        ("friday", date(2026, 11, 27)),
        ("fri", date(2026, 11, 27)),
        ("wednesday", date(2026, 12, 2)),  # the next one, never today
        ("monday", date(2026, 11, 30)),
        ("eow", date(2026, 11, 27)),
        ("eom", date(2026, 11, 30)),
        (" +2W ", date(2026, 12, 9)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, today=WED) == expected


def test_eow_on_friday_is_today() -> None:
    assert parse_date("eow", today=date(2026, 11, 27)) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_add_months_clamps(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize("text", ["", "soon", "2026-13-01", "+2x", "next week", "31/12/2026"])
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(InvalidValueError):
        parse_date(text, today=WED)
