"""What the reading views (list, show, rank, plan, matrix) share for their language.

Machine formats (JSON, CSV) never change with the language: they are built
while English is spoken, whatever ``--lang`` says. Tables and markdown, for
people, show Chinese dates, priorities and status labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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


def shown_rows(
    reqs: Iterable[Requirement],
    settings: Settings,
    as_of: date,
    *,
    lead: Iterable[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """:func:`shown_fields` of many requirements (a 10k table), each after its ``lead`` fields.

    Statuses, priorities and due dates repeat across a ledger: each distinct
    one is worded once, instead of once per row.
    """
    statuses: dict[str, str] = {}
    priorities: dict[Any, str] = {}
    dues: dict[date, str] = {}
    # (due date, status) -> overdue: the same few pairs, row after row.
    overdue: dict[tuple[date | None, str], bool] = {}
    rows: list[dict[str, Any]] = []
    append = rows.append
    heads = iter(lead) if lead is not None else None
    for req in reqs:
        row = next(heads) if heads is not None else {}
        status = req.status
        shown_status = statuses.get(status)
        if shown_status is None:
            shown_status = statuses[status] = status_text(status, settings)
        priority = req.priority
        shown_priority = priorities.get(priority)
        if shown_priority is None:
            shown_priority = priorities[priority] = priority_text(priority.value)
        due = req.due
        shown_due = None
        if due is not None:
            shown_due = dues.get(due)
            if shown_due is None:
                shown_due = dues[due] = show_date(due, as_of)
        late = overdue.get((due, status))
        if late is None:
            late = overdue[due, status] = is_overdue(req, settings=settings, as_of=as_of)
        row["id"] = req.id
        row["title"] = req.title
        row["status"] = shown_status
        row["priority"] = shown_priority
        row["due"] = shown_due
        row["overdue"] = late
        row["owner"] = req.owner
        row["department"] = req.department
        append(row)
    return rows
