"""What git knows about the ledger: recent changes, sprint start, lead times.

(Stub until the git-based parts are built.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pmledger.ledger.ledger import Ledger
from pmledger.report.data import Change
from pmledger.report.stats import LeadTimes


def sprint_history(ledger: Ledger, name: str) -> tuple[datetime | None, list[str] | None]:
    """When sprint ``name`` started and what joined it later (None, None without git)."""
    return None, None


def recent_changes(
    ledger: Ledger, *, since: str | None, as_of: date, only: set[str]
) -> tuple[list[Change] | None, str]:
    """Changes to the given requirements since a date or revision (None without git)."""
    since_text = since or (as_of - timedelta(days=14)).isoformat()
    return None, since_text


def lead_times(ledger: Ledger, only: set[str]) -> LeadTimes | None:
    """Days from accepted to done per requirement, from git (None without git)."""
    return None
