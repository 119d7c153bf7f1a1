"""The canonical file format: round-trips, key order, unknown keys, errors."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmledger.errors import InvalidFileError
from pmledger.ledger import fileformat
from pmledger.ledger.model import Requirement

from .conftest import make

P = Path("REQ-AAAAA.toml")

text_st = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")
name_st = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
offsets = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
)
aware_dt = st.builds(
    lambda d, off: d.replace(tzinfo=off),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    offsets,
)
number = st.integers(-(10**9), 10**9) | st.floats(allow_nan=False, allow_infinity=False, width=64)
# Values of unknown keys come back exactly as read: local date-times and
# times stay local, a carriage return stays.
raw_text_st = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")
local_dt = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
scalar = st.one_of(raw_text_st, number, st.booleans(), st.dates(), aware_dt, local_dt, st.times())
extra_value = st.one_of(
    scalar,
    st.lists(st.integers(0, 100), max_size=3),
    st.dictionaries(name_st, scalar, min_size=1, max_size=3),
)
KNOWN = set(Requirement.model_fields)
extras = st.dictionaries(name_st.filter(lambda k: k not in KNOWN), extra_value, max_size=4)

requirement_st = st.builds(
    lambda title, status, prio, created, opt, tags, notes, extra, desc, rice: (
        Requirement.model_validate(
            {
                "id": "REQ-AAAAA",
                "title": title,
                "status": status,
                "priority": prio,
                "created": created,
                "tags": tags,
                "notes": notes,
                "description": desc,
                "rice": rice,
                **opt,
                **extra,
            }
        )
    ),
    text_st,
    st.sampled_from(["proposed", "accepted", "in-progress"]),
    st.sampled_from(["critical", "high", "medium", "low"]),
    st.one_of(st.dates(), aware_dt),
    st.fixed_dictionaries(
        {},
        optional={
            "requester": text_st,
            "department": text_st,
            "owner": text_st,
            "due": st.dates(),
            "effort": st.integers(0, 100) | st.floats(0, 100, allow_nan=False),
            "value": number,
            "goal": text_st,
            "depends_on": st.lists(st.from_regex(r"REQ-[0-9A-Z]{5}", fullmatch=True), max_size=3),
            "links": st.lists(text_st, max_size=2),
            "acceptance": st.lists(text_st, max_size=3),
        },
    ),
    st.lists(text_st, max_size=3),
    st.lists(st.fixed_dictionaries({"at": aware_dt, "by": text_st, "text": text_st}), max_size=3),
    extras,
    st.none() | text_st,
    st.none()
    | st.fixed_dictionaries(
        {},
        optional={
            "reach": st.integers(0, 10**6) | st.floats(0, 1e6),
            "impact": st.sampled_from([3, 2, 1, 0.5, 0.25]),
            "confidence": st.floats(0.01, 1.0),
            "effort": st.integers(1, 100) | st.floats(0.1, 100),
        },
    ),
)


@settings(max_examples=300)
@given(requirement_st)
def test_write_read_round_trip(req: Requirement) -> None:
    text = fileformat.dumps(req)
    again = fileformat.loads(text, P)
    assert again == req
    assert again.extra == req.extra
    # Canonical: writing what was read changes nothing.
    assert fileformat.dumps(again) == text


def test_key_order_and_layout() -> None:
    req = make(
        title="客户列表导出 Excel",
        priority="P1",
        created=datetime(2026, 11, 25, 10, 30, tzinfo=timezone(timedelta(hours=8))),
        due=date(2026, 12, 9),
        tags=["crm"],
        requester="王芳",
        description="Line one\nLine two",
        zeta=1,
        alpha="kept",
        rice={"reach": 450, "impact": 3, "confidence": 1.0, "effort": 2},
        notes=[{"at": datetime(2026, 11, 25, 11, 0, tzinfo=UTC), "by": "王芳", "text": "ok"}],
    )
    assert fileformat.dumps(req) == (
        'id = "REQ-AAAAA"\n'
        'title = "客户列表导出 Excel"\n'
        'status = "proposed"\n'
        'priority = "high"\n'
        "created = 2026-11-25 10:30:00+08:00\n"
        'requester = "王芳"\n'
        "tags = [\n"
        '    "crm",\n'
        "]\n"
        "due = 2026-12-09\n"
        'description = """\n'
        "Line one\n"
        'Line two"""\n'
        'alpha = "kept"\n'
        "zeta = 1\n"
        "\n"
        "[rice]\n"
        "reach = 450\n"
        "impact = 3\n"
        "confidence = 1.0\n"
        "effort = 2\n"
        "\n"
        "[[notes]]\n"
        "at = 2026-11-25 11:00:00+00:00\n"
        'by = "王芳"\n'
        'text = "ok"\n'
    )


def test_no_updated_stamp_and_no_none() -> None:
    text = fileformat.dumps(make())
    data = tomllib.loads(text)
    assert "updated" not in data
    assert set(data) == {"id", "title", "status", "priority", "created"}


def test_unknown_keys_survive_with_values_intact() -> None:
    original = (
        'id = "REQ-AAAAA"\ntitle = "t"\nstatus = "proposed"\npriority = "low"\n'
        'created = 2026-01-01\ncustomer = { name = "ACME", tier = 2 }\n'
        "score_override = 3.25\nwhen = 07:30:00\n[extra_table]\nx = [1, 2]\n"
    )
    req = fileformat.loads(original, P)
    rewritten = tomllib.loads(fileformat.dumps(req))
    source = tomllib.loads(original)
    for key in ("customer", "score_override", "when", "extra_table"):
        assert rewritten[key] == source[key]


def test_naive_datetime_is_read_as_utc() -> None:
    text = 'id = "REQ-AAAAA"\ntitle = "t"\nstatus = "proposed"\npriority = "low"\ncreated = 2026-01-01T10:00:00\n'
    req = fileformat.loads(text, P)
    assert "created = 2026-01-01 10:00:00+00:00" in fileformat.dumps(req)


def test_a_note_dated_by_a_bare_date_is_canonical_after_one_rewrite() -> None:
    # A bare date became a naive datetime, so the first `fmt` wrote no offset
    # and the second added one: `fmt` was not idempotent for it.
    text = (
        'id = "REQ-AAAAA"\ntitle = "t"\nstatus = "proposed"\npriority = "low"\n'
        'created = 2026-01-01\n\n[[notes]]\nat = 2000-01-02\nby = "x"\ntext = "y"\n'
    )
    once = fileformat.dumps(fileformat.loads(text, P))
    assert "at = 2000-01-02 00:00:00+00:00" in once
    assert fileformat.dumps(fileformat.loads(once, P)) == once


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('id = "REQ-AAAAA"\ntitle = "t\n', 2, "not valid TOML"),
        (
            'id = "REQ-AAAAA"\ntitle = "t"\nstatus = "proposed"\npriority = "urgent"\ncreated = 2026-01-01\n',
            4,
            "priority",
        ),
        (
            'id = "REQ-AAAAA"\ntitle = "t"\nstatus = "proposed"\npriority = "low"\ncreated = 2026-01-01\ndue = "soon"\n',
            6,
            "due",
        ),
        (
            'id = "REQ-AAAAA"\ntitle = "t"\nstatus = "proposed"\npriority = "low"\ncreated = 2026-01-01\neffort = -1\n',
            6,
            "effort",
        ),
        (
            'id = "REQ-AAAAA"\ntitle = "t"\nstatus = "proposed"\npriority = "low"\ncreated = 2026-01-01\neffort = true\n',
            6,
            "effort",
        ),
        (
            'id = "REQ-AAAAA"\ntitle = "t"\n<<<<<<< HEAD\nstatus = "proposed"\n=======\nstatus = "done"\n>>>>>>> b\n',
            3,
            "merge-conflict",
        ),
    ],
)
def test_errors_name_file_line_and_field(text: str, line: int, fragment: str) -> None:
    with pytest.raises(InvalidFileError) as err:
        fileformat.loads(text, P)
    problem = err.value.problem
    assert problem.path == P
    assert problem.line == line
    assert fragment in str(err.value)
    assert str(err.value).startswith(f"REQ-AAAAA.toml:{line}")


def test_missing_required_field_is_named() -> None:
    with pytest.raises(InvalidFileError) as err:
        fileformat.loads('id = "REQ-AAAAA"\ntitle = "t"\n', P)
    assert "status" in str(err.value) and "missing" in str(err.value)


def test_key_line_finds_quoted_and_dotted_keys() -> None:
    text = (
        'id = "REQ-AAAAA"\n"客户等级" = "A类"\n\'单引号\' = 1\n"\\u5ba2户" = 2\n'
        'site.name = "x"\ndescription = """\nplain = 1\n"""\nplain = 2\n'
    )
    assert fileformat.key_line(text, "客户等级") == 2
    assert fileformat.key_line(text, "单引号") == 3
    assert fileformat.key_line(text, "客户") == 4  # an escape in the key: read as TOML does
    assert fileformat.key_line(text, "site") == 5
    assert fileformat.key_line(text, "absent") is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-45", "due: 2026-13-45 is not a valid date (YYYY-MM-DD)"),
        ("2026-02-30", "due: 2026-02-30 is not a valid date (YYYY-MM-DD)"),
        ("2026/12/01  # typed by hand", "due: 2026/12/01 is not a valid date (YYYY-MM-DD)"),
        ("2026-1-5", "due: 2026-1-5 is not a valid date (YYYY-MM-DD)"),
        (
            "2026-12-01T25:00:00",
            "due: 2026-12-01T25:00:00 is not a valid date and time (YYYY-MM-DD HH:MM:SS+08:00)",
        ),
    ],
)
def test_an_invalid_date_is_named_by_key_and_value(value: str, message: str) -> None:
    text = fileformat.dumps(make()) + f"due = {value}\n"
    with pytest.raises(InvalidFileError) as caught:
        fileformat.loads(text, P)
    problem = caught.value.problem
    assert (problem.message, problem.field, problem.line) == (message, "due", 6)
    assert problem.column == 7


def test_an_invalid_date_in_a_note_names_the_note() -> None:
    text = (
        fileformat.dumps(make())
        + '\n[[notes]]\nat = 2026-11-31 10:00:00+08:00\nby = "Ann"\ntext = "x"\n'
    )
    with pytest.raises(InvalidFileError) as caught:
        fileformat.loads(text, P)
    problem = caught.value.problem
    assert problem.field == "notes.0.at"
    assert problem.message.startswith("notes item 1: at: 2026-11-31 10:00:00+08:00 is not a valid")


@pytest.mark.parametrize("line", ["due = 2026-12-01 x", 'title = "open', "effort = 1 2"])
def test_other_syntax_errors_keep_the_parser_reason(line: str) -> None:
    with pytest.raises(InvalidFileError) as caught:
        fileformat.loads(fileformat.dumps(make()) + line + "\n", P)
    assert caught.value.problem.message.startswith("not valid TOML: ")
    assert caught.value.problem.field is None


def test_an_invalid_date_in_chinese() -> None:
    from pmledger import i18n

    i18n.activate("zh")
    with pytest.raises(InvalidFileError) as caught:
        fileformat.loads(fileformat.dumps(make()) + "due = 2026-13-45\n", P)
    assert caught.value.problem.message == "due：2026-13-45 不是有效的日期（YYYY-MM-DD）"
