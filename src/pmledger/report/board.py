"""The kanban board's content: one column per workflow status, cards in a
stable order, long columns capped with a count of what is not shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pmledger.ledger.model import Requirement
from pmledger.ledger.settings import Settings


@dataclass
class BoardColumn:
    status: str
    cards: list[Requirement] = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)


def board_columns(
    requirements: Iterable[Requirement],
    *,
    settings: Settings,
    per_column: int,
    include_inactive: bool = False,
) -> list[BoardColumn]:
    """Columns in workflow order; inactive ones (rejected, deferred) only on request,
    except the done status, which always shows what was delivered."""
    inactive = set(settings.ledger.inactive_statuses)
    closed = set(settings.ledger.closed_statuses)
    shown = [
        s
        for s in settings.ledger.statuses
        if include_inactive or s not in inactive or (s in closed and s == "done")
    ]
    columns = {s: BoardColumn(s) for s in shown}
    for req in requirements:
        column = columns.get(req.status)
        if column is not None:
            column.cards.append(req)
    for column in columns.values():
        # Most pressing first: priority, then the earliest due date.
        column.cards.sort(key=lambda r: (r.priority.rank, r.due or date.max, r.id))
        column.total = len(column.cards)
        del column.cards[per_column:]
    return list(columns.values())
