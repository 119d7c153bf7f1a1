"""The requirements under a goal or in a sprint, as one table (``goal show``, ``sprint show``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pmledger.cli.output import View
    from pmledger.ledger.model import Requirement
    from pmledger.ledger.settings import Settings


def work_view(
    reqs: Sequence[Requirement],
    settings: Settings,
    *,
    title: str | None = None,
    note: Callable[[Requirement], str] | None = None,
) -> View:
    """ID, title, status, effort and owner of ``reqs`` in workflow order (then by ID).

    ``note``: a last column, dropped first on a narrow terminal.
    """
    from pmledger.cli.output import Column, View
    from pmledger.i18n import _
    from pmledger.ranking.scoring import status_text

    order = {s: i for i, s in enumerate(settings.ledger.statuses)}
    columns = [
        Column("id", "ID", "id"),
        Column("title", _("Title"), shrink=True),
        Column("status", _("Status")),
        Column("effort", _("Effort"), "number"),
        Column("owner", _("Owner"), drop=1),
    ]
    if note is not None:
        columns.append(Column("note", _("Note"), drop=2))
    rows = []
    for r in sorted(reqs, key=lambda r: (order.get(r.status, 99), r.id)):
        row = {
            "id": r.id,
            "title": r.title,
            "status": status_text(r.status, settings),
            "effort": r.effort,
            "owner": r.owner,
        }
        if note is not None:
            row["note"] = note(r)
        rows.append(row)
    return View(columns=columns, rows=rows, title=title)
