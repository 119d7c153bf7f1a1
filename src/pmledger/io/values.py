"""Cell values as fields store them: dates in the spellings files use, numbers, lists.

A value that cannot be converted raises ``ValueError`` with a reason the
planner shows with the row and column.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from pmledger.dates import parse_date
from pmledger.errors import InvalidValueError
from pmledger.i18n import _
from pmledger.io import lists
from pmledger.io.mapping import Mapping
from pmledger.ledger.model import (
    DATE_FIELDS,
    KNOWN_FIELDS,
    LIST_FIELDS,
    NUMBER_FIELDS,
    SCORING_TABLES,
)
from pmledger.text import ascii_forms

_CN_DATE = re.compile(r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?$")
_JIRA_DATE = re.compile(
    r"^(\d{1,2})/([A-Za-z]{3})/(\d{2,4})(?:\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?)?$"
)
_TW_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}


def parse_moment(value: Any, *, as_of: date) -> date | datetime:
    """A date or datetime from a cell: ISO 8601, 2026/11/20, 2026年11月20日, Jira and
    Taskwarrior spellings, a spreadsheet date, or an expression such as +2w."""
    if isinstance(value, datetime | date):
        return value
    text = str(value).strip()
    try:
        if "T" in text or " " in text.strip():
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment
        return date.fromisoformat(text)
    except ValueError:
        pass
    if match := _CN_DATE.match(text):
        y, m, d = (int(g) for g in match.groups())
        return _date(y, m, d, text)
    if match := _TW_DATE.match(text):
        y, mo, d, h, mi, sec = (int(g) for g in match.groups())
        return datetime(y, mo, d, h, mi, sec, tzinfo=UTC)
    if match := _JIRA_DATE.match(text):
        day, month, year, hour, minute, half = match.groups()
        number = _MONTHS.get(month.lower())
        if number is None:
            raise ValueError(_("{text!r} is not a date").format(text=text))
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        moment_date = _date(full_year, number, int(day), text)
        if hour is None:
            return moment_date
        h = int(hour) % 12 + (12 if half and half.lower() == "pm" else 0) if half else int(hour)
        return datetime.combine(moment_date, time(h, int(minute)))
    try:
        return parse_date(text, as_of=as_of)
    except InvalidValueError:
        raise ValueError(
            _("{text!r} is not a date (expected YYYY-MM-DD)").format(text=text)
        ) from None


def _date(y: int, m: int, d: int, text: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise ValueError(_("{text!r} is not a date").format(text=text)) from None


def as_day(value: date | datetime) -> date:
    """The calendar day of a moment; an aware datetime is read in local time."""
    if isinstance(value, datetime):
        return (value.astimezone() if value.tzinfo else value).date()
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(_("expected a number, not true/false"))
    if isinstance(value, int | float):
        number: int | float = value
    else:
        typed = str(value).strip()
        # int() reads full-width digits (`３`); float() not the point of `２．５`.
        text = ascii_forms(typed)
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise ValueError(_("{text!r} is not a number").format(text=typed)) from None
    # "1.0" stays a float and "1" an int, so a CSV round trip keeps the file as it was.
    return number


def _list(name: str, value: Any) -> list[str]:
    # A JSON list is taken as written (an item may start with a space or
    # repeat), so that a JSON export imports back unchanged.
    return lists.from_json(value) if isinstance(value, list) else lists.from_cell(name, str(value))


def _custom(value: Any) -> Any:
    # A CSV cell is text: give back the number it spells when it spells one
    # exactly, so that an exported contract_value = 120000 returns as a number.
    if isinstance(value, str):
        stripped = value.strip()
        for kind in (int, float):
            try:
                number = kind(stripped)
            except ValueError:
                continue
            if str(number) == stripped:
                return number
        return stripped
    return value


def is_empty(value: Any) -> bool:
    """A blank cell (None, empty or whitespace, an empty list)."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def convert(mapping: Mapping, name: str, value: Any, *, as_of: date) -> Any:
    """A cell value as the field ``name`` stores it (raises ValueError with a reason)."""
    if is_empty(value):
        return [] if name in LIST_FIELDS else None
    table, dot, _sub = name.partition(".")
    if dot and table in SCORING_TABLES:
        return _number(value)
    if name in LIST_FIELDS:
        return _list(name, value)
    if name in ("status", "priority"):
        # A column holds a handful of distinct values: look each up once.
        cache = mapping.value_cache
        text = str(value)
        hit = cache.get((name, text))
        if hit is None:
            hit = mapping.status(text) if name == "status" else mapping.priority(text)
            cache[(name, text)] = hit
        return hit
    if name in DATE_FIELDS:
        return as_day(parse_moment(value, as_of=as_of))
    if name == "created":
        moment = parse_moment(value, as_of=as_of)
        if isinstance(moment, datetime) and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment
    if name in NUMBER_FIELDS:
        return _number(value)
    if name == "notes":
        if isinstance(value, str):
            if value.strip().isdigit():
                return None  # the number of notes of a CSV export: nothing to import
            from pmledger.io.columns import notes_from_text

            return notes_from_text(value.strip("\n"))
        if isinstance(value, int | float):
            return None
        return value
    if name in SCORING_TABLES:
        return value
    if name in KNOWN_FIELDS:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        # A file stores a line break as LF and reads a CRLF in multi-line text
        # back as LF (GitHub issue bodies are CRLF): compared as stored, a
        # re-import of the same text is no change.
        text = str(value).replace("\r\n", "\n")
        # Multi-line text is kept as written; one-line fields lose stray spaces.
        return text if name == "description" else text.strip()
    return _custom(value)
