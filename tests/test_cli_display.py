"""The batch row builder of the reading views says what the per-row one says."""

from __future__ import annotations

from datetime import date

import pytest

from pmledger.cli.display import shown_fields, shown_rows
from pmledger.i18n import using
from pmledger.ledger.settings import Settings

from .conftest import make


@pytest.mark.parametrize("language", ["en", "zh"])
def test_shown_rows_match_shown_fields(language: str) -> None:
    settings = Settings()
    as_of = date(2026, 11, 20)
    reqs = [
        make("REQ-AAAAA", due=date(2026, 11, 1), status="in-progress", priority="high"),
        make("REQ-BBBBB", due=date(2026, 11, 1), status="done", owner="陈涛"),
        make("REQ-CCCCC", due=date(2027, 1, 3), department="销售部"),
        make("REQ-DDDDD", status="deferred", priority="low"),
        make("REQ-EEEEE", due=date(2026, 11, 20), status="in-progress", priority="high"),
    ]
    lead = [{"position": n, "score": n / 10} for n in range(len(reqs))]
    with using(language):
        expected = [
            {**head, **shown_fields(r, settings, as_of)} for head, r in zip(lead, reqs, strict=True)
        ]
        got = shown_rows(reqs, settings, as_of, lead=[dict(h) for h in lead])
        plain = shown_rows(reqs, settings, as_of)
        plain_expected = [shown_fields(r, settings, as_of) for r in reqs]
    assert got == expected
    assert list(got[0]) == list(expected[0])  # the same column order
    assert plain == plain_expected
    assert any(row["overdue"] for row in got) and not all(row["overdue"] for row in got)
