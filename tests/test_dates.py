"""Date expressions typed in meetings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    assert parse_date(text, as_of=WED) == expected


def test_eow_on_friday_is_today() -> None:
    assert parse_date("eow", as_of=date(2026, 11, 27)) == date(2026, 11, 27)


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
        parse_date(text, as_of=WED)


# Chinese phrases, year-less and slashed dates, full-width input (issue 12.2,
# 7.9), all pinned to Wednesday 2026-11-25.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", WED),
        ("明天", date(2026, 11, 26)),
        ("后天", date(2026, 11, 27)),
        ("大后天", date(2026, 11, 28)),
        ("昨天", date(2026, 11, 24)),
        # A bare weekday is the next such day, never today (as "wednesday").
        ("周三", date(2026, 12, 2)),
        ("星期三", date(2026, 12, 2)),
        ("礼拜三", date(2026, 12, 2)),
        ("周五", date(2026, 11, 27)),
        ("周日", date(2026, 11, 29)),
        ("星期天", date(2026, 11, 29)),
        ("礼拜一", date(2026, 11, 30)),
        # 本周/这周: this Monday-to-Sunday week; 下周: the next one.
        ("本周五", date(2026, 11, 27)),
        ("这周一", date(2026, 11, 23)),
        ("下周五", date(2026, 12, 4)),
        ("下周一", date(2026, 11, 30)),
        ("下个星期三", date(2026, 12, 2)),
        ("下礼拜天", date(2026, 12, 6)),
        # 本周末 as eow: the end of the working week (Friday).
        ("本周末", date(2026, 11, 27)),
        ("周末", date(2026, 11, 27)),
        ("下周末", date(2026, 12, 4)),
        ("月底", date(2026, 11, 30)),
        ("本月底", date(2026, 11, 30)),
        ("下月底", date(2026, 12, 31)),
        ("下月初", date(2026, 12, 1)),
        ("下个月初", date(2026, 12, 1)),
        ("3天后", date(2026, 11, 28)),
        ("三天后", date(2026, 11, 28)),
        ("3日后", date(2026, 11, 28)),
        ("十天后", date(2026, 12, 5)),
        ("十五天以后", date(2026, 12, 10)),
        ("二十一天后", date(2026, 12, 16)),
        ("两周后", date(2026, 12, 9)),
        ("2周后", date(2026, 12, 9)),
        ("两个星期后", date(2026, 12, 9)),
        ("一个礼拜之后", date(2026, 12, 2)),
        ("一个月后", date(2026, 12, 25)),
        ("3个月后", date(2027, 2, 25)),
        ("一年后", date(2027, 11, 25)),
        ("12月25日", date(2026, 12, 25)),
        ("12月25号", date(2026, 12, 25)),
        ("11月25日", WED),  # today is not past
        ("11月24日", date(2027, 11, 24)),  # yesterday: next year's
        ("3月1日", date(2027, 3, 1)),
        ("2026年12月25日", date(2026, 12, 25)),
        ("2025年1月5日", date(2025, 1, 5)),  # an explicit year, even past
        ("2026/12/25", date(2026, 12, 25)),
        ("2026/1/5", date(2026, 1, 5)),
        ("12/25", date(2026, 12, 25)),
        ("1/5", date(2027, 1, 5)),
        ("2/29", date(2028, 2, 29)),  # the next February 29
        # Full-width digits and punctuation, as a Chinese input method types them.
        ("２０２６／１２／２５", date(2026, 12, 25)),
        ("１２／２５", date(2026, 12, 25)),
        ("２０２６－１２－０１", date(2026, 12, 1)),
        ("＋３ｄ", date(2026, 11, 28)),
        ("３天后", date(2026, 11, 28)),
        ("１２月２５日", date(2026, 12, 25)),
        ("　明天　", date(2026, 11, 26)),  # ideographic spaces
        ("ＦＲＩＤＡＹ", date(2026, 11, 27)),
    ],
)
def test_parse_chinese_and_slashed_dates(text: str, expected: date) -> None:
    assert parse_date(text, as_of=WED) == expected


@pytest.mark.parametrize(
    "text",
    [
        "25/12",  # day first: no month 25
        "12/25/2026",  # month-day-year: ambiguous with day-month-year
        "26/12/25",
        "13/1",
        "2026/2/30",
        "2/30",
        "2026年2月30日",
        "13月1日",
        "3月后",  # "after March" or "in three months"?
        "三五天后",  # "three to five days"
        "下周",  # which day?
        "月初",  # this month's (past) or next month's?
        "周八",
        "20261205",
        "明天后天",
    ],
)
def test_ambiguous_or_impossible_dates_are_refused_with_the_forms(text: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        parse_date(text, as_of=WED)
    message = str(caught.value)
    assert repr(text) in message
    assert "YYYY/MM/DD" in message and "12月25日" in message


def test_chinese_messages_for_bad_dates() -> None:
    from pmledger import i18n

    with i18n.using("zh"), pytest.raises(InvalidValueError, match="无法把 '下下下周' 识别为日期"):
        parse_date("下下下周", as_of=WED)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_every_written_form_of_a_day_reads_back(day: date) -> None:
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
    ]
    for form in forms:
        assert parse_date(form, as_of=WED) == day
        assert parse_date(_full_width(form), as_of=WED) == day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.dates())
def test_a_day_without_a_year_is_the_next_one(as_of: date, day: date) -> None:
    found = parse_date(f"{day.month}/{day.day}", as_of=as_of)
    assert (found.month, found.day) == (day.month, day.day)
    assert as_of <= found < date(as_of.year + 9, 1, 1)
    if (day.month, day.day) != (2, 29):
        assert found.year == as_of.year or date(as_of.year, day.month, day.day) < as_of
    assert parse_date(f"{day.month}月{day.day}日", as_of=as_of) == found


def test_a_date_past_the_calendar_is_refused_in_words() -> None:
    from pmledger.errors import InvalidValueError

    with pytest.raises(InvalidValueError, match="beyond the calendar"):
        parse_date("+2w", as_of=date(9999, 12, 25))
    assert parse_date("tomorrow", as_of=date(9998, 12, 31)) == date(9999, 1, 1)


def test_as_of_in_the_calendar_s_last_year_is_a_usage_error(tmp_path: Path) -> None:
    from .cli_helpers import assert_clean_error, invoke, make_ledger

    make_ledger(tmp_path)
    for command in (["report"], ["rank"], ["set", "REQ-00000", "due=+2w"]):
        result = invoke([*command, "--as-of", "9999-12-31"])
        assert_clean_error(result, 2)
        assert "too late to count from" in result.stderr


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-13-01", "there is no month 13"),
        ("2026-02-30", "2026-02 has 28 days"),
        ("2028/02/30", "2028-02 has 29 days"),
        ("2026-04-31", "2026-04 has 30 days"),
        ("2026年2月30日", "2026-02 has 28 days"),
        ("02/30", "month 2 has at most 29 days"),
        ("2月30日", "month 2 has at most 29 days"),
        ("0000-01-01", "there is no year 0"),
    ],
)
def test_a_day_off_the_calendar_says_which_part_is_wrong(text: str, reason: str) -> None:
    # The form was right: the list of forms alone did not say what was wrong.
    with pytest.raises(InvalidValueError) as raised:
        parse_date(text, as_of=date(2026, 11, 20))
    assert str(raised.value).startswith(f"{text!r} is not a day of the calendar ({reason}); ")
