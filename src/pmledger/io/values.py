"""Cell values as fields store them: dates in the spellings files use, numbers, lists.

A value that cannot be converted raises ``ValueError`` with a reason the
planner shows with the row and column.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
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

# A time after a date, as spreadsheets write it (Excel on a Chinese Windows
# saves a date-time cell as 2026/11/20 9:30).
_TIME = r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_CN_DATE = re.compile(r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?" + _TIME + "$")
_JIRA_DATE = re.compile(
    r"^(\d{1,2})/([A-Za-z]{3})/(\d{2,4})(?:\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?)?$"
)
_TW_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
# 27.11.2026: day first wherever dots separate a date (Excel in German,
# Russian... locales saves dates so).
_DOT_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME + "$")
# 11/27/2026 (US) or 27/11/2026 (UK): which is the month, only the writer knows.
_SLASH_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
# A spreadsheet's day number (days since 1899-12-30): what a date cell shows
# once its column is formatted as General. Only 1970-2099 is taken, so that a
# small number (3, an effort typed in the wrong column) is never a date.
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_SERIAL_RANGE = (25569, 73051)
_EPOCH = datetime(1899, 12, 30)
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
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and _SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]
    ):
        return _serial(value)
    text = str(value).strip()
    try:
        if "T" in text or " " in text.strip():
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment
        return date.fromisoformat(text)
    except ValueError:
        pass
    if match := _CN_DATE.match(text):
        y, m, d = (int(g) for g in match.groups()[:3])
        return _at(_date(y, m, d, text), match.groups()[3:], text)
    if match := _DOT_DATE.match(text):
        d, m, y = (int(g) for g in match.groups()[:3])
        return _at(_date(y, m, d, text), match.groups()[3:], text)
    if _SLASH_DATE.match(text):
        raise ValueError(
            _("{text!r}: is the day or the month first? write it as YYYY-MM-DD").format(text=text)
        )
    if _SERIAL.match(text) and _SERIAL_RANGE[0] <= float(text) < _SERIAL_RANGE[1]:
        return _serial(float(text))
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


def _serial(number: float) -> date | datetime:
    moment = _EPOCH + timedelta(days=number)
    # Rounded to the second: a day number's fraction is binary, 0.5 of a second off.
    moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    return moment.date() if float(number).is_integer() else moment


def _at(day: date, clock: tuple[str | None, ...], text: str) -> date | datetime:
    """``day`` at the hour, minute and second of ``clock``, if it has them."""
    hour, minute, second = clock
    if hour is None or minute is None:
        return day
    try:
        return datetime.combine(day, time(int(hour), int(minute), int(second or 0)))
    except ValueError:
        raise ValueError(_("{text!r} is not a date").format(text=text)) from None


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


_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+%?$")


def _number(value: Any, decimal_comma: bool = False) -> int | float:
    if isinstance(value, bool):
        raise ValueError(_("expected a number, not true/false"))
    if isinstance(value, int | float):
        number: int | float = value
    else:
        typed = str(value).strip()
        # int() reads full-width digits (`３`); float() not the point of `２．５`.
        text = ascii_forms(typed)
        if decimal_comma and _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        if text.endswith("%") and text[:-1].strip():
            # What a percentage cell of a spreadsheet saves as CSV: 80% is 0.8
            # (an XLSX gives 0.8 itself), through Decimal so 1.1% is 0.011.
            try:
                return float(Decimal(text[:-1].strip()) / 100)
            except InvalidOperation:
                raise ValueError(_("{text!r} is not a number").format(text=typed)) from None
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


_TRUTH = {"true": True, "false": False}


def _custom(value: Any, spreadsheet: bool = False) -> Any:
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
        if spreadsheet:
            # What an export writes for true/false (Excel saves TRUE/FALSE),
            # a date and a date-time, so that re-importing it changes nothing.
            truth = _TRUTH.get(stripped.lower())
            if truth is not None:
                return truth
            for moment in (date, datetime):
                try:
                    parsed = moment.fromisoformat(stripped)
                except ValueError:
                    continue
                if parsed.isoformat() == stripped:
                    return parsed
        return stripped
    if (
        spreadsheet
        and isinstance(value, datetime)
        and value.tzinfo is None
        and value.time() == time()
    ):
        return value.date()  # a date cell of a workbook: openpyxl reads it as midnight
    return value


def like(old: Any, new: Any, *, as_of: date) -> Any:
    """A spreadsheet cell ``new`` of a custom field typed as its current value ``old``.

    Excel rewrites the dates of a CSV it saves in the reader's spelling
    (``2026/12/1``): a date field stays a date when the text reads as one.
    """
    if isinstance(old, datetime) and old.tzinfo is None and type(new) is date:
        # An XLSX date-time cell at midnight reads as a date (see _custom).
        return datetime.combine(new, time())
    if isinstance(old, date) and not isinstance(old, datetime) and isinstance(new, str):
        try:
            moment = parse_moment(new, as_of=as_of)
        except ValueError:
            return new
        if isinstance(moment, datetime):
            return moment.date() if moment.tzinfo is None and moment.time() == time() else new
        return moment
    return new


def is_empty(value: Any) -> bool:
    """A blank cell (None, empty or whitespace, an empty list)."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def convert(
    mapping: Mapping,
    name: str,
    value: Any,
    *,
    as_of: date,
    spreadsheet: bool = False,
    decimal_comma: bool = False,
) -> Any:
    """A cell value as the field ``name`` stores it (raises ValueError with a reason).

    ``spreadsheet``: the cell comes from CSV or XLSX, where a custom field's
    true/false and dates are spelled as text (see :func:`_custom`);
    ``decimal_comma``: a number may be written ``2,5``.
    """
    if is_empty(value):
        return [] if name in LIST_FIELDS else None
    table, dot, _sub = name.partition(".")
    if dot and table in SCORING_TABLES:
        return _number(value, decimal_comma)
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
            # A time typed in a sheet (创建时间 2026-11-20 09:30) is the
            # writer's local time, as `add` stamps it: not UTC.
            moment = moment.astimezone()
        return moment
    if name in NUMBER_FIELDS:
        return _number(value, decimal_comma)
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
    return _custom(value, spreadsheet)
