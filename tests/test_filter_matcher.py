"""The whole-ledger predicate keeps exactly what matches() keeps."""

from __future__ import annotations

from datetime import date

import pytest

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
