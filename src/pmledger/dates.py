"""Date expressions people type in meetings: ``+2w``, ``friday``, ``下周五``, ``12/25``...

Every function takes ``as_of`` explicitly so that results are reproducible
(``--as-of``); nothing here reads the clock. Input is NFKC-normalised first,
so full-width digits and punctuation (``２０２６／１２／２５``, ``＋３ｄ``) read
as their ASCII forms.

A date without a year (``12/25``, ``12月25日``) means that day of the as-of
year if it is not already past, else of the next year: said in November,
"12/25" is next month and "3/1" is next March.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from pmledger.errors import InvalidValueError
from pmledger.i18n import _

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
_SLASHED = re.compile(r"^(?:(\d{4})/)?(\d{1,2})/(\d{1,2})$")

# Chinese: 周三 / 星期三 / 礼拜三 (日 and 天 both mean Sunday).
_CN_WEEKDAY = "一二三四五六日天"
_CN_WEEK = r"(?:周|星期|礼拜)"
_CN_NUMBER = r"[0-9零〇一二两三四五六七八九十百]+"
_CN_DAY = re.compile(rf"^(本|这|这个|下|下个)?{_CN_WEEK}([{_CN_WEEKDAY}])$")
# "3月后" could be "after March": months need 个 (3个月后).
_CN_AFTER = re.compile(rf"^({_CN_NUMBER})(天|日|周|个?星期|个?礼拜|个月|年)(?:以?后|之后)$")
_CN_DATE = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]$")
_CN_FIXED = {
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
    "昨天": -1,
    "昨日": -1,
}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})


def date_help() -> str:
    """The accepted forms, for error messages and --help (in the active language)."""
    return _(
        "YYYY-MM-DD, YYYY/MM/DD, MM/DD, today, tomorrow, yesterday, +3d, +2w, +1m, -1d, "
        "a weekday name, eow, eom, 今天, 明天, 后天, 周三, 下周五, 本周末, 月底, 下月初, "
        "3天后, 两周后, 12月25日, 2026年12月25日"
    )


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, clamped to the end of a shorter month."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _end_of_week(as_of: date) -> date:
    # End of the working week: the coming Friday (today if it is Friday).
    return as_of + timedelta(days=(4 - as_of.weekday()) % 7)


def parse_date(text: str, *, as_of: date) -> date:
    """Parse a date expression relative to ``as_of``.

    Weekday names mean the next such day (never today): said on a Friday,
    "friday" (or 周五) means a week later, as a person would mean it.
    """
    value = unicodedata.normalize("NFKC", text).strip().lower()
    if not value:
        raise InvalidValueError(_("empty date; expected {forms}").format(forms=date_help()))
    try:
        found = _parse_english(value, as_of) or _parse_numeric(value, as_of, text)
        if found is None:
            found = _parse_chinese(value.replace(" ", ""), as_of, text)
    except OverflowError:  # "+2w" a week before 9999-12-31
        raise InvalidValueError(
            _("{text!r} is beyond the calendar (year 9999)").format(text=text)
        ) from None
    if found is None:
        suggestion = _date_word_like(value)
        if suggestion is not None:
            raise InvalidValueError(
                _("cannot read {text!r} as a date; did you mean {suggestion!r}?").format(
                    text=text, suggestion=suggestion
                )
            )
        raise InvalidValueError(
            _("cannot read {text!r} as a date; expected {forms}").format(
                text=text, forms=date_help()
            )
        )
    return found


def _date_word_like(value: str) -> str | None:
    """The English date word a mistyped word was meant to be (``tomorow``, ``firday``)."""
    if not value.isascii() or not value.isalpha():
        return None
    from pmledger.text import closest

    return closest(value, ["today", "tomorrow", "yesterday", "eow", "eom", *_WEEKDAYS])


def _parse_english(value: str, as_of: date) -> date | None:
    if value == "today":
        return as_of
    if value == "tomorrow":
        return as_of + timedelta(days=1)
    if value == "yesterday":
        return as_of - timedelta(days=1)
    if value == "eow":
        return _end_of_week(as_of)
    if value == "eom":
        return _end_of_month(as_of)
    if value in _WEEKDAYS:
        ahead = (_WEEKDAYS[value] - as_of.weekday()) % 7 or 7
        return as_of + timedelta(days=ahead)
    match = _RELATIVE.match(value)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        return _shift(as_of, sign * int(match.group(2)), match.group(3))
    return None


def _shift(as_of: date, amount: int, unit: str) -> date:
    if unit == "d":
        return as_of + timedelta(days=amount)
    if unit == "w":
        return as_of + timedelta(weeks=amount)
    if unit == "m":
        return add_months(as_of, amount)
    return add_months(as_of, 12 * amount)


def _parse_numeric(value: str, as_of: date, text: str) -> date | None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            year, month, _day = value.split("-")
            raise _no_such_day(text, int(month), int(year)) from None
    match = _SLASHED.match(value)
    if match:
        year, month, day = match.groups()
        return _calendar_day(year, int(month), int(day), as_of, text)
    return None


def _parse_chinese(value: str, as_of: date, text: str) -> date | None:
    if value in _CN_FIXED:
        return as_of + timedelta(days=_CN_FIXED[value])
    if value in ("月底", "本月底", "这个月底", "月末", "本月末"):
        return _end_of_month(as_of)
    if value in ("下月底", "下个月底", "下月末", "下个月末"):
        return _end_of_month(add_months(as_of.replace(day=1), 1))
    if value in ("下月初", "下个月初"):
        return add_months(as_of.replace(day=1), 1)
    if value in ("周末", "本周末", "这周末", "这个周末"):
        return _end_of_week(as_of)
    if value in ("下周末", "下个周末"):
        return _end_of_week(as_of) + timedelta(weeks=1)
    match = _CN_DAY.match(value)
    if match:
        which, name = match.groups()
        weekday = min(_CN_WEEKDAY.index(name), 6)
        if which is None:
            return as_of + timedelta(days=(weekday - as_of.weekday()) % 7 or 7)
        monday = as_of - timedelta(days=as_of.weekday())
        weeks = 1 if which.startswith("下") else 0
        return monday + timedelta(weeks=weeks, days=weekday)
    match = _CN_AFTER.match(value)
    if match:
        amount = _chinese_number(match.group(1))
        if amount is None:
            return None
        unit = {"天": "d", "日": "d", "个月": "m", "年": "y"}.get(match.group(2), "w")
        return _shift(as_of, amount, unit)
    match = _CN_DATE.match(value)
    if match:
        year, month, day = match.groups()
        return _calendar_day(year, int(month), int(day), as_of, text)
    return None


def _calendar_day(year: str | None, month: int, day: int, as_of: date, text: str) -> date:
    if year is not None:
        try:
            return date(int(year), month, day)
        except ValueError:
            raise _no_such_day(text, month, int(year)) from None
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
        raise _no_such_day(text, month)
    # The next such day: this year's, unless it is already past. February 29
    # moves on to the next leap year.
    for candidate_year in range(as_of.year, as_of.year + 9):
        if day <= calendar.monthrange(candidate_year, month)[1]:
            candidate = date(candidate_year, month, day)
            if candidate >= as_of:
                return candidate
    raise _no_such_day(text, month)  # pragma: no cover - a leap year comes within 8 years


def _no_such_day(text: str, month: int, year: int | None = None) -> InvalidValueError:
    """A date whose month or day does not exist: which one, then the forms."""
    if year is not None and not 1 <= year <= 9999:
        reason = _("there is no year {year}").format(year=year)
    elif not 1 <= month <= 12:
        reason = _("there is no month {month}").format(month=month)
    elif year is not None:
        reason = _("{year}-{month:02d} has {days} days").format(
            year=year, month=month, days=calendar.monthrange(year, month)[1]
        )
    else:
        reason = _("month {month} has at most {days} days").format(
            month=month, days=calendar.monthrange(2024, month)[1]
        )
    return InvalidValueError(
        _("{text!r} is not a day of the calendar ({reason}); expected {forms}").format(
            text=text, reason=reason, forms=date_help()
        )
    )


def _chinese_number(text: str) -> int | None:
    """1-999 written with digits or Chinese numerals (三, 十五, 二十, 一百)."""
    if text.isdigit():
        return int(text)
    total = 0
    current = 0
    previous_digit = False
    for char in text:
        if char in _CN_DIGITS:
            if previous_digit:
                return None  # 三五天后: "three or five days", not a date
            current = _CN_DIGITS[char]
            previous_digit = True
            continue
        previous_digit = False
        if char not in "十百":
            return None
        total += (current or 1) * (10 if char == "十" else 100)
        current = 0
    return total + current


def now_utc_offset() -> datetime:
    """The current local time with its UTC offset, to the second (for stamps)."""
    return datetime.now(UTC).astimezone().replace(microsecond=0)
