"""The whole-ledger predicate keeps exactly what matches() keeps; sorting as first written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings
from pmledger.query.filters import Filter, matcher, matches, select

from .conftest import make

STATUSES = ["proposed", "in-progress", "done", "rejected", "deferred"]


@pytest.mark.parametrize(
    "flt",
    [
        Filter(),
        Filter(include_inactive=True),
        Filter(statuses=("done",)),
        Filter(statuses=("done", "proposed"), include_inactive=True),
        Filter(owners=("陈涛",)),
        Filter(overdue=True),
        Filter(text="refund"),
        Filter(statuses=("deferred",), tags=("x",)),
    ],
)
def test_matcher_agrees_with_matches(flt: Filter) -> None:
    settings = Settings()
    as_of = date(2026, 11, 20)
    reqs = [
        make(
            f"REQ-{n:05d}",
            status=status,
            owner="陈涛" if n % 2 else None,
            due=date(2026, 11, 1) if n % 3 else None,
            tags=["x"] if n % 4 else [],
            title="refund flow" if n % 5 else "other",
        )
        for n, status in enumerate(STATUSES * 4)
    ]
    keep = matcher(flt, settings=settings, as_of=as_of)
    expected = [r for r in reqs if matches(r, flt, settings=settings, as_of=as_of)]
    assert [r for r in reqs if keep(r)] == expected
    assert select(reqs, flt, settings=settings, as_of=as_of) == expected
    assert 0 < len(expected) < len(reqs) or flt.include_inactive


def _sorted_one_value_at_a_time(
    reqs: list[Requirement], key: str, settings: Settings
) -> list[Requirement]:
    # The sort as first written (each value asked for where it is needed):
    # the oracle of sort_requirements, which works each value out once.
    from pmledger.query.filters import sort_value

    value = sort_value(key.lstrip("-"), settings)
    ordered = sorted(reqs, key=lambda r: r.id)
    present = [r for r in ordered if value(r) is not None]
    missing = [r for r in ordered if value(r) is None]
    present.sort(key=value, reverse=key.startswith("-"))  # type: ignore[arg-type]
    return present + missing


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["low", "medium", "high", "critical"]),
            st.sampled_from(["proposed", "accepted", "done"]),
            st.none() | st.sampled_from(["Li Wei", "li wei", "王芳", "Ann"]),
            st.none() | st.integers(0, 3) | st.floats(0.5, 2.5),
            st.none() | st.dates(date(2026, 1, 1), date(2026, 1, 5)),
        ),
        max_size=30,
    ),
    st.sampled_from(
        ["priority", "-priority", "status", "owner", "-owner", "effort", "due", "-due"]
    ),
)
def test_sort_requirements_matches_its_first_form(
    rows: list[tuple[str, str, str | None, float | None, date | None]], key: str
) -> None:
    from pmledger.query.filters import sort_requirements

    settings = Settings()
    reqs = [
        make(f"REQ-{n:05d}", priority=p, status=s, owner=o, effort=e, due=d)
        for n, (p, s, o, e, d) in enumerate(rows)
    ][::-1]
    got = sort_requirements(reqs, key, settings=settings)
    assert [r.id for r in got] == [r.id for r in _sorted_one_value_at_a_time(reqs, key, settings)]


def test_unknown_values_names_what_no_requirement_has_and_the_closest() -> None:
    from pmledger.query.filters import unknown_values

    reqs = [
        make("REQ-A", department="Sales", owner="李雷"),
        make("REQ-B", department="销售部", requester="王芳"),
    ]
    flt = Filter(departments=("Slaes", "ＳＡＬＥＳ", "Ops"), owners=("李雷",), requesters=("王方",))
    assert unknown_values(flt, reqs) == [
        ("department", "Slaes", "Sales"),
        ("department", "Ops", None),
        ("requester", "王方", None),
    ]
    assert unknown_values(Filter(text="x"), reqs) == []


def test_a_misspelled_department_is_said_not_answered_with_nothing(tmp_path: Path) -> None:
    from .cli_helpers import copy_example, invoke, ok

    copy_example(tmp_path)
    for command in (["report"], ["list"], ["rank"], ["export", "-f", "csv"]):
        result = invoke([*command, "-d", "Slaes"])
        assert "no requirement has department 'Slaes'; did you mean 'Sales'?" in result.stderr
    assert "no requirement has" not in ok(["list", "-d", "sales"]).stderr
