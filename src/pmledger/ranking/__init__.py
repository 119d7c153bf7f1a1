"""Ranking: scoring models, the ranked order and its tie-break, sprint
planning and the urgent x important matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pmledger.ranking.order import RankedItem, Ranking, rank

__all__ = ["RankedItem", "Ranking", "rank"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `show` needs scoring's words for a status or a
    # priority, not the ranked order (and what that imports).
    if name in __all__:
        from pmledger.ranking import order

        return getattr(order, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
