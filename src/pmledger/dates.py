"""Date expressions people type in meetings: ``+2w``, ``friday``, ``eom``...

Every function takes ``today`` explicitly so that results are reproducible
(``--as-of``); nothing here reads the clock.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta

from pmledger.errors import InvalidValueError

_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}

_RELATIVE = re.compile(r"^([+-])(\d{1,4})([dwmy])$")

DATE_HELP = "YYYY-MM-DD, today, tomorrow, yesterday, +3d, +2w, +1m, -1d, a weekday name, eow, eom"


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, clamped to the end of a shorter month."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def parse_date(text: str, *, today: date) -> date:
    """Parse a date expression relative to ``today``.

    Weekday names mean the next such day (never today): said on a Friday,
    "friday" means a week later, as a person would mean it.
    """
    value = text.strip().lower()
    if not value:
        raise InvalidValueError("empty date; expected " + DATE_HELP)
    if value == "today":
        return today
    if value == "tomorrow":
        return today + timedelta(days=1)
    if value == "yesterday":
        return today - timedelta(days=1)
    if value == "eow":
        # End of the working week: the coming Friday (today if it is Friday).
        return today + timedelta(days=(4 - today.weekday()) % 7)
    if value == "eom":
        return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if value in _WEEKDAYS:
        ahead = (_WEEKDAYS[value] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    match = _RELATIVE.match(value)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        amount = sign * int(match.group(2))
        unit = match.group(3)
        if unit == "d":
            return today + timedelta(days=amount)
        if unit == "w":
            return today + timedelta(weeks=amount)
        if unit == "m":
            return add_months(today, amount)
        return add_months(today, 12 * amount)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValueError(f"cannot read {text!r} as a date; expected {DATE_HELP}") from None


def now_utc_offset() -> datetime:
    """The current local time with its UTC offset, to the second (for stamps)."""
    return datetime.now(UTC).astimezone().replace(microsecond=0)


def as_date(value: date | datetime) -> date:
    """The calendar date of a date or a datetime."""
    if isinstance(value, datetime):
        return value.date()
    return value
