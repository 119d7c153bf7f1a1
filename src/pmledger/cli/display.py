"""What the reading views (list, show, rank, plan, matrix) share for their language.

Machine formats (JSON, CSV) never change with the language: they are built
while English is spoken, whatever ``--lang`` says. Tables and markdown, for
people, show Chinese dates, priorities and status labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pmledger.query.filters import is_overdue
from pmledger.ranking.scoring import priority_text, show_date, status_text

if TYPE_CHECKING:
    from datetime import date

    from pmledger.ledger.model import Requirement
    from pmledger.ledger.settings import Settings

MACHINE_FORMATS = ("json", "csv")


@contextmanager
def language_for(fmt: str) -> Iterator[None]:
    """English while a machine format is built; the reader's language otherwise."""
    if fmt not in MACHINE_FORMATS:
        yield
        return
    from pmledger.i18n import using

    with using("en"):
        yield


def shown_fields(req: Requirement, settings: Settings, as_of: date) -> dict[str, Any]:
    """The fields every reading view (list, rank) shows of a requirement.

    In the reader's words (Chinese dates and labels) for tables and
    markdown; CSV is built while English is spoken, where these are the
    canonical values.
    """
    return {
        "id": req.id,
        "title": req.title,
        "status": status_text(req.status, settings),
        "priority": priority_text(req.priority.value),
        "due": req.due if req.due is None else show_date(req.due, as_of),
        "overdue": is_overdue(req, settings=settings, as_of=as_of),
        "owner": req.owner,
        "department": req.department,
    }
